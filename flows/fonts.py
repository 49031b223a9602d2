"""The DejaVu Sans faces (regular and bold) for the charts and the PDF: they cover Latvian
diacritics. The TrueType files ship with the project (``flows/content/fonts``, under the DejaVu
licence beside them), so no font package is needed."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

FONTS_DIR = Path(__file__).parent / "content" / "fonts"
FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


@lru_cache(maxsize=2)
def font_path(bold: bool = False) -> Path:
    """The DejaVu Sans TrueType file (bold or regular)."""
    path = FONTS_DIR / FILES[bold]
    if not path.is_file():
        raise RuntimeError(f"font {path} is missing: the project's files are incomplete")
    return path


@lru_cache(maxsize=64)
def load_font(size: int, bold: bool = False) -> FreeTypeFont:
    """DejaVu Sans at ``size`` pixels, loaded once per (size, bold)."""
    from PIL import ImageFont

    return ImageFont.truetype(str(font_path(bold)), size)
