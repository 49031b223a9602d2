"""DejaVu Sans cut down once to the scripts Ceļvedis writes in, for the PDFs' font subsets.

fpdf2 embeds in each PDF a subset of the face it was given, made when the PDF is written: from
the whole DejaVu Sans (~6,000 glyphs) that is most of a PDF's build time, each time reading and
pruning tables for glyphs no document uses. Here each face is cut once to ``REPERTOIRE`` (Latin
with its extensions, Greek, Cyrillic, punctuation, arrows and symbols), keeping every table,
name, hint and glyph name, and ``use_cut_faces`` hands fpdf2 the cut instead of the whole face
when a document uses only glyphs the cut has. The subset made from the cut is byte for byte
the one made from the whole face (tests/flows/test_font_cut.py); a document with a character
outside the repertoire is subset from the whole face, as before.

The cut takes about a second; it is kept in the cache directory (``knowledge.parsed_cache``:
``CELVEDIS_CACHE_DIR``), named by a hash of the font's bytes, the fontTools version and the
repertoire, so it is made once per machine and never stale. fontTools is imported on first use.
"""

from __future__ import annotations

import hashlib
import io
import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from flows.fonts import font_bytes
from knowledge.parsed_cache import cache_dir, read_keyed, write_keyed

if TYPE_CHECKING:
    from fpdf import FPDF

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the cut's options change
REPERTOIRE: tuple[tuple[int, int], ...] = (  # code point ranges, both ends included
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1, Latin Extended-A and -B (ā č ē ģ ī ķ ļ ņ š ū ž …)
    (0x0370, 0x052F),  # Greek, Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2000, 0x206F),  # General Punctuation („ ” – — … •)
    (0x20A0, 0x20CF),  # currency signs (€)
    (0x2100, 0x21FF),  # letter-like symbols, number forms, arrows (→)
    (0x2200, 0x22FF),  # mathematical operators (≤ ≥ ×)
)


def use_cut_faces(pdf: FPDF, family: str) -> int:
    """Just before ``pdf.output()``: give each face of ``family`` (registered by
    ``flows.fonts.add_pdf_fonts``) the cut to subset from when the document's glyphs are all in
    it. How many faces took the cut."""
    from fontTools.ttLib import TTFont

    taken = 0
    for style, bold in (("", False), ("B", True)):
        font = pdf.fonts.get(f"{family.lower()}{style}")
        subset = getattr(font, "subset", None)
        if font is None or subset is None or not hasattr(font, "ttfont"):
            continue
        cut = _cut(bold)
        if cut is None or not set(subset.get_all_glyph_names()) <= cut[1]:
            continue
        font.ttfont = TTFont(io.BytesIO(cut[0]), recalcTimestamp=False, lazy=True)
        taken += 1
    return taken


@lru_cache(maxsize=2)
def _cut(bold: bool) -> tuple[bytes, frozenset[str]] | None:
    """The cut face's bytes and its glyph names (None when it cannot be made: then the whole
    face is used)."""
    from fontTools.ttLib import TTFont

    try:
        data = _kept_cut(bold)
        return data, frozenset(TTFont(io.BytesIO(data), lazy=True).getGlyphOrder())
    except Exception as exc:
        log.warning("font cut not made (%s); PDFs subset the whole face", type(exc).__name__)
        return None


def _kept_cut(bold: bool) -> bytes:
    """The cut from the cache directory, or made (and kept there)."""
    import fontTools

    whole = font_bytes(bold)
    key = hashlib.sha256(
        f"{FORMAT}|{fontTools.version}|{REPERTOIRE}|".encode() + hashlib.sha256(whole).digest()
    ).digest()
    directory = cache_dir()
    entry = directory / f"font-cut-{key.hex()[:24]}.pickle" if directory is not None else None
    if entry is not None:
        kept = read_keyed(entry, key, "font cut")
        if isinstance(kept, bytes):
            return kept
    data = make_cut(whole)
    if entry is not None:
        write_keyed(entry, key, data, "font cut")
    return data


def make_cut(whole: bytes) -> bytes:
    """``whole`` (a TrueType face) with only the glyphs of ``REPERTOIRE`` (and those they are
    made of or substituted with), every table, name, hint and glyph name kept."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    face = TTFont(io.BytesIO(whole), recalcTimestamp=False)
    options = subset.Options(
        drop_tables=[],
        passthrough_tables=True,
        layout_features=["*"],
        layout_closure=True,
        name_IDs=["*"],
        name_languages=["*"],
        name_legacy=True,
        legacy_kern=True,
        hinting=True,
        glyph_names=True,
        legacy_cmap=True,
        symbol_cmap=True,
        notdef_glyph=True,
        notdef_outline=True,
        recommended_glyphs=True,
        prune_unicode_ranges=False,
        prune_codepage_ranges=False,
    )
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[c for first, last in REPERTOIRE for c in range(first, last + 1)])
    cutter.subset(face)
    out = io.BytesIO()
    face.save(out)
    return out.getvalue()
