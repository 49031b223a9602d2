"""PDF fonts subset from the face cut once (flows/font_cut.py) give byte for byte the PDF the
whole face gives; a character outside the cut falls back to the whole face; the cut is kept
in the cache directory and made again when its entry is unreadable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fpdf import FPDF

from flows import font_cut
from flows.fonts import add_pdf_fonts

LATVIAN = "Digitālās kompetences pašnovērtējums — ĀČĒĢĪĶĻŅŠŪŽ āčēģīķļņšūž „citāts” → 4 €"
OTHERS = ("Overall level 4 of 8: Intermediate", "Ольга Петрова, Ελένη, Zoë O'Brien ≤ 5 …")
OUTSIDE = "Ko praktizēt tālāk: ✓ ქ"  # a dingbat and a Georgian letter: not in the cut


def _pdf(texts: tuple[str, ...], *, cut: bool) -> tuple[bytes, int]:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    add_pdf_fonts(pdf, "DejaVu")
    pdf.add_page()
    for i, text in enumerate(texts):
        pdf.set_font("DejaVu", "B" if i % 2 else "", 11)
        pdf.multi_cell(180, 6, text, new_x="LMARGIN", new_y="NEXT")
    taken = font_cut.use_cut_faces(pdf, "DejaVu") if cut else 0
    return bytes(pdf.output()), taken


def test_the_cut_gives_the_same_pdf_as_the_whole_face() -> None:
    for texts in ((LATVIAN, *OTHERS), (LATVIAN,), OTHERS[::-1], ("abc", "x")):
        made, taken = _pdf(texts, cut=True)
        assert taken == 2  # both faces took the cut
        assert made == _pdf(texts, cut=False)[0]


def test_a_character_outside_the_cut_takes_the_whole_face() -> None:
    texts = (OUTSIDE, LATVIAN)  # the regular face needs ✓ and ქ; the bold one does not
    made, taken = _pdf(texts, cut=True)
    assert taken == 1
    assert made == _pdf(texts, cut=False)[0]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CELVEDIS_CACHE_DIR", str(tmp_path))
    font_cut._cut.cache_clear()
    yield tmp_path
    font_cut._cut.cache_clear()


def test_the_cut_is_kept_and_made_again_when_unreadable(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = font_cut._kept_cut(False)
    (entry,) = cache.glob("font-cut-*.pickle")
    made: list[bytes] = []
    real = font_cut.make_cut
    monkeypatch.setattr(font_cut, "make_cut", lambda whole: made.append(whole) or real(whole))
    assert font_cut._kept_cut(False) == first and not made  # read back, not made
    entry.write_bytes(b"cut short")
    assert font_cut._kept_cut(False) == first and len(made) == 1  # made again, kept again
    assert font_cut._kept_cut(False) == first and len(made) == 1
    assert len(first) < len(font_cut.font_bytes(False)) / 3
