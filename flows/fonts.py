"""The DejaVu Sans faces (regular and bold) for the charts and the PDF: they cover Latvian
diacritics. The TrueType files are found without importing anything heavy: first in matplotlib's
package data (located with ``importlib.util.find_spec``, so matplotlib itself is never imported),
then in the system's DejaVu directory."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

SYSTEM_DIR = Path("/usr/share/fonts/truetype/dejavu")
FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


def _matplotlib_dirs() -> list[Path]:
    """matplotlib's bundled TTF directories, if matplotlib is installed (not imported)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None:
        return []
    roots = list(spec.submodule_search_locations or [])
    if not roots and spec.origin:
        roots = [str(Path(spec.origin).parent)]
    return [Path(root) / "mpl-data" / "fonts" / "ttf" for root in roots]


@lru_cache(maxsize=2)
def font_path(bold: bool = False) -> Path:
    """The DejaVu Sans TrueType file (bold or regular)."""
    name = FILES[bold]
    bundled = _matplotlib_dirs()
    for directory in [*bundled, SYSTEM_DIR]:
        path = directory / name
        if path.is_file():
            return path
    where = ", ".join(str(d) for d in bundled) or "matplotlib is not installed"
    raise RuntimeError(
        f"font {name} not found: looked in matplotlib's mpl-data/fonts/ttf ({where}) and in "
        f"{SYSTEM_DIR}; install matplotlib or the fonts-dejavu-core package"
    )


@lru_cache(maxsize=64)
def load_font(size: int, bold: bool = False) -> FreeTypeFont:
    """DejaVu Sans at ``size`` pixels, loaded once per (size, bold)."""
    from PIL import ImageFont

    return ImageFont.truetype(str(font_path(bold)), size)
