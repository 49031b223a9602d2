"""The bare baseline for a DigComp result: what a plain Pillow + fpdf2 script does for the same
output — a portrait chart for the chat (1080 × 1920 px) and a landscape one for the page
(990 × 726 px), each 5 area bars and 21 competence bars with their labels, band shading and
ticks, saved as PNG (zlib level 1, as the bot does); then an A4 page with DejaVu Sans (regular
and bold, ``add_font`` per document), a heading, a few paragraphs and the page chart. Nothing
from the project is imported. ``python bench/baseline_digcomp.py [runs]`` prints the median
wall and CPU milliseconds of a warm result."""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image, ImageDraw, ImageFont

FONTS = Path(__file__).resolve().parent.parent / "flows" / "content" / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
COLOURS = ("#2b6cb0", "#2f855a", "#dd6b20", "#c53030", "#6b46c1")
AREAS = [f"{i}. Digitālās kompetences joma numur {i}" for i in range(1, 6)]
COMPETENCES = [
    f"{a}.{c} Kompetence ar garāku nosaukumu {a}.{c}" for a in range(1, 6) for c in (1, 2, 3, 4)
]
COMPETENCES.append("5.5 Digitālo kompetenču pilnveide")
PARAGRAPH = (
    "Kompetence, kurā vērts vingrināties: meklējiet un izvērtējiet informāciju, pārbaudiet "
    "avotus, veidojiet saturu un dalieties ar to drošā vidē, ievērojot autortiesības. "
)
_fonts: dict[tuple[int, bool], ImageFont.FreeTypeFont] = {}


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """A loaded face, kept (as any script drawing more than once would)."""
    key = (size, bold)
    if key not in _fonts:
        _fonts[key] = ImageFont.truetype(str(BOLD if bold else REGULAR), size)
    return _fonts[key]


def chart(width: int, height: int, unit: float) -> bytes:
    """Bars on a 0–8 scale with labels: the chart's drawing work, in Pillow directly."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    left, right = int(width * 0.42), width - int(6 * unit)
    draw.text(
        (width / 2, 6 * unit),
        "Jūsu digitālo kompetenču profils",
        font=font(round(13 * unit), True),
        fill="black",
        anchor="ma",
    )
    rows = [(label, COLOURS[i % 5], 9.0) for i, label in enumerate(AREAS)]
    rows += [(label, COLOURS[int(label[0]) - 1], 8.0) for label in COMPETENCES]
    top, bottom = 40 * unit, height - 30 * unit
    step = (bottom - top) / len(rows)
    for band in range(4):  # shaded level bands
        x0 = left + (right - left) * band * 2 / 8.45
        x1 = left + (right - left) * (band + 1) * 2 / 8.45
        draw.rectangle(
            (x0, top, x1, bottom), fill=("#f7fafc", "#edf2f7", "#e2e8f0", "#cbd5e0")[band]
        )
    for level in range(9):  # ticks and their numbers
        x = left + (right - left) * level / 8.45
        draw.line((x, bottom, x, bottom + 4 * unit), fill="#4a5568", width=max(1, round(unit)))
        draw.text(
            (x, bottom + 6 * unit),
            str(level),
            font=font(round(10 * unit)),
            fill="black",
            anchor="ma",
        )
    for row, (label, colour, points) in enumerate(rows):
        y = top + row * step
        level = 1 + (row * 37) % 8
        draw.text(
            (left - 7 * unit, y + step / 2),
            label,
            font=font(round(points * unit)),
            fill="black",
            anchor="rm",
        )
        draw.rectangle(
            (left, y + step * 0.2, left + (right - left) * level / 8.45, y + step * 0.8),
            fill=colour,
        )
        draw.text(
            (left + (right - left) * level / 8.45 + 3 * unit, y + step / 2),
            str(level),
            font=font(round(8 * unit)),
            fill="black",
            anchor="lm",
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def pdf(chart_png: bytes) -> bytes:
    """One A4 page: heading, texts, the chart."""
    document = FPDF(format="A4", unit="mm")
    document.set_auto_page_break(False)
    document.set_margins(15, 12, 15)
    document.add_font("DejaVu", "", str(REGULAR))
    document.add_font("DejaVu", "B", str(BOLD))
    document.add_page()
    width = document.w - 30

    def paragraph(text: str, size: float, height: float, bold: bool = False) -> None:
        document.set_font("DejaVu", "B" if bold else "", size)
        document.multi_cell(width, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    paragraph("DigComp 2.2 pašnovērtējums — kopsavilkums", 15, 7, bold=True)
    paragraph("Ātrais novērtējums · 1. decembris 2026", 9, 5)
    paragraph("Kopējais līmenis: 4 no 8 (vidējs)", 12, 6, bold=True)
    chart_height = width * 6.6 / 9.0
    document.image(io.BytesIO(chart_png), x=15, y=document.get_y(), w=width, h=chart_height)
    document.set_y(document.get_y() + chart_height + 3)
    paragraph("Kur vingrināties vispirms", 11, 6, bold=True)
    for _ in range(3):
        paragraph(PARAGRAPH, 8.5, 4.2)
    paragraph(PARAGRAPH * 2, 8.5, 4.2)
    paragraph("Avoti: DigComp 2.2 (Eiropas Komisija, 2022).", 7.5, 3.8)
    return bytes(document.output())


def result() -> tuple[bytes, bytes]:
    """The chat chart, and the PDF with its page chart."""
    return chart(1080, 1920, 240 / 72), pdf(chart(990, 726, 110 / 72))


def measure(runs: int = 15) -> tuple[float, float]:
    """Median wall and CPU milliseconds of a warm result (one unmeasured first)."""
    result()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


if __name__ == "__main__":
    wall_ms, cpu_ms = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
    print(
        f"bare Pillow + fpdf2 DigComp-like result: median {wall_ms:.0f} ms wall, "
        f"{cpu_ms:.0f} ms CPU"
    )
