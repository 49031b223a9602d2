"""The one-page PDF summary of a self-assessment (fpdf2), to attach to a Europass CV or portfolio.

Fonts: the DejaVu Sans faces, which cover Latvian diacritics (found by `flows.fonts`). fpdf2 is
imported on first use to keep start-up fast."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flows.font_cut import use_cut_faces
from flows.fonts import add_pdf_fonts

if TYPE_CHECKING:
    from PIL.Image import Image

FONT = "DejaVu"
GREY = (90, 99, 112)
INK = (26, 32, 44)
CHART_SIZE = (9.0, 6.6)  # inches: the chart drawn for the page
CHART_ASPECT = CHART_SIZE[0] / CHART_SIZE[1]


@dataclass(frozen=True)
class SummaryDocument:
    """The texts and chart of the summary, already in the user's language."""

    title: str
    name: str  # "Name: …", or "" when the user chose none
    meta: str
    overall: str
    chart: bytes | Image  # PNG bytes, or the drawn image itself (embedded as it is)
    weakest_title: str
    weakest: Sequence[str]
    note: str
    sources: str


def render_pdf(doc: SummaryDocument) -> bytes:
    """A4, one page: heading, the user's name, overall level, chart, what to practise, the note
    and sources."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(15, 12, 15)
    add_pdf_fonts(pdf, FONT)  # DejaVu, parsed once per process
    pdf.set_title(doc.title)
    pdf.set_creator("Ceļvedis")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def paragraph(text: str, size: float, height: float, *, bold: bool = False) -> None:
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.multi_cell(width, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_text_color(*INK)
    paragraph(doc.title, 15, 7, bold=True)
    if doc.name:
        paragraph(doc.name, 12, 6.5)
    pdf.set_text_color(*GREY)
    paragraph(doc.meta, 9, 5)
    pdf.ln(2)
    pdf.set_text_color(*INK)
    paragraph(doc.overall, 12, 6, bold=True)
    pdf.ln(1)

    chart_height = width / CHART_ASPECT
    chart = io.BytesIO(doc.chart) if isinstance(doc.chart, bytes) else doc.chart
    pdf.image(chart, x=pdf.l_margin, y=pdf.get_y(), w=width, h=chart_height)
    pdf.set_y(pdf.get_y() + chart_height + 3)

    if doc.weakest:
        paragraph(doc.weakest_title, 11, 6, bold=True)
        for item in doc.weakest:
            paragraph(item, 8.5, 4.2)
            pdf.ln(1.2)
    pdf.ln(1)
    paragraph(doc.note, 8.5, 4.2)
    pdf.ln(1.5)
    pdf.set_text_color(*GREY)
    paragraph(doc.sources, 7.5, 3.8)
    if pdf.get_y() > pdf.h - 8:
        raise ValueError("the summary does not fit on one page")
    use_cut_faces(pdf, FONT)  # the fonts subset from the cut made once, not the whole face
    return bytes(pdf.output())
