"""The DejaVu Sans faces (regular and bold) for the charts and the PDF: they cover Latvian
diacritics. The TrueType files ship with the project (``flows/content/fonts``, under the DejaVu
licence beside them), so no font package is needed."""

from __future__ import annotations

import copy
import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.fonts import TTFFont
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


@lru_cache(maxsize=2)
def font_bytes(bold: bool = False) -> bytes:
    """The DejaVu Sans file's bytes, read once per process."""
    return font_path(bold).read_bytes()


def add_pdf_fonts(pdf: FPDF, family: str) -> None:
    """Register DejaVu Sans (regular as ``""``, bold as ``"B"``) under ``family`` on ``pdf``.

    Same as ``pdf.add_font(family, style, path)`` for both faces, but the costly part — parsing
    the TrueType file, its metrics and character map (~70 ms a face) — is done once per process:
    each document gets a copy of a parsed template with its own fresh, lazily read font tables
    (fpdf2 subsets those in place when it writes the document) and its own subset map, so the
    output is byte for byte what ``add_font`` gives (tests/flows/test_fonts_cache.py)."""
    from fontTools.ttLib import TTFont
    from fpdf.fonts import SubsetMap

    for style, bold in (("", False), ("B", True)):
        fontkey = f"{family.lower()}{style}"
        template = _pdf_font_template(bold)
        if template is None or fontkey in pdf.fonts:
            pdf.add_font(family, style, str(font_path(bold)))
            continue
        font = copy.copy(template)
        font.i = len(pdf.fonts) + 1
        font.fontkey = fontkey
        font.ttfont = TTFont(io.BytesIO(font_bytes(bold)), recalcTimestamp=False, lazy=True)
        font.cw = copy.copy(template.cw)  # a lookup of a missing character adds it
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
        pdf.fonts[fontkey] = font


@lru_cache(maxsize=2)
def _pdf_font_template(bold: bool) -> TTFFont | None:
    """A parsed face to copy, or None when its shape is not the one ``add_pdf_fonts`` knows
    (a colour font, or an fpdf2 whose font object differs): then ``add_font`` is used."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    scratch = FPDF()
    scratch.add_font("template", "B" if bold else "", str(font_path(bold)))
    (font,) = scratch.fonts.values()
    if not isinstance(font, TTFFont):
        return None
    expected = ("ttfont", "cw", "subset", "missing_glyphs", "biggest_size_pt", "_hbfont", "i")
    if getattr(font, "color_font", None) is not None or not all(
        hasattr(font, name) for name in expected
    ):
        return None
    return font
