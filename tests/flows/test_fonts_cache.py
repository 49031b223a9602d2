"""The PDF fonts parsed once per process give byte for byte the PDF that ``add_font`` gives."""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF

from flows.fonts import add_pdf_fonts, font_path

TEXTS = (
    "Digitālās kompetences pašnovērtējums — ĀČĒĢĪĶĻŅŠŪŽ āčēģīķļņšūž",
    "Overall level 4 of 8: Intermediate. 1.1 Browsing, searching and filtering data",
    "Ko praktizēt tālāk: «drošība», €, ✓",
)


def _pdf(cached: bool, texts: tuple[str, ...]) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    if cached:
        add_pdf_fonts(pdf, "DejaVu")
    else:
        pdf.add_font("DejaVu", "", str(font_path()))
        pdf.add_font("DejaVu", "B", str(font_path(bold=True)))
    pdf.add_page()
    for i, text in enumerate(texts):
        pdf.set_font("DejaVu", "B" if i % 2 else "", 11)
        pdf.multi_cell(180, 6, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_cached_fonts_give_the_same_pdf_every_time() -> None:
    for texts in (TEXTS, TEXTS[:1], ("abc",), TEXTS[::-1]):
        expected = _pdf(False, texts)
        assert _pdf(True, texts) == expected
        assert _pdf(True, texts) == expected  # the template is not changed by a document


def test_fonts_are_registered_for_both_styles() -> None:
    pdf = FPDF()
    add_pdf_fonts(pdf, "DejaVu")
    assert set(pdf.fonts) >= {"dejavu", "dejavuB"}
    assert pdf.fonts["dejavu"].ttfont is not pdf.fonts["dejavuB"].ttfont
