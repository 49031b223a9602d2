"""The profile chart: the 5 areas and the 21 competences as bars on the 1–8 level scale, with
the previous result's areas alongside after a retake. Drawn with Pillow (DejaVu Sans through
FreeType, which anti-aliases the text itself) straight at the output size: drawing at 2x and
downsampling looked no smoother, cost 3x the time and doubled the PNG. Pillow is imported on
first use to keep start-up fast. Labels longer than the label column allows (a share
of the width) are wrapped, and made smaller if the wrapped lines would not fit their row."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flows.digcomp.content import Competence
from flows.digcomp.scoring import Profile
from flows.fonts import load_font

if TYPE_CHECKING:
    from PIL.Image import Image
    from PIL.ImageFont import FreeTypeFont

AREA_COLOURS = {"1": "#2b6cb0", "2": "#2f855a", "3": "#dd6b20", "4": "#c53030", "5": "#6b46c1"}
BAND_SHADES = ("#f7fafc", "#edf2f7", "#e2e8f0", "#cbd5e0")
PREVIOUS_COLOUR = "#a0aec0"
OTHER_COLOUR = "#4a5568"  # an area without a colour of its own
INK = "#000000"
MUTED = "#4a5568"
SCALE = 1  # > 1: drawn SCALE times the size, then downsampled with LANCZOS
X_MAX = 8.45  # the level axis runs 0–8.45: room for the value label after a bar at 8
PNG_COMPRESSION = 1  # zlib level: 6 is a third slower for a file no smaller
LABEL_SHARE = 0.42  # the most of the width the label column may take; longer labels wrap
SMALLEST = 0.6  # a label that does not fit its row even wrapped shrinks down to this share
KEY_POINTS = 8.5  # the bands' key under the title


@dataclass(frozen=True)
class ChartLabels:
    """Every text the chart shows, already in the user's language."""

    title: str
    areas_title: str
    competences_title: str
    level_axis: str
    now: str
    before: str
    skipped: str
    area_names: Mapping[str, str]
    competence_labels: Mapping[str, str]
    band_names: Sequence[str]


def render_chart(
    profile: Profile,
    competences: Sequence[Competence],
    labels: ChartLabels,
    previous_areas: Mapping[str, int | None] | None = None,
    *,
    size: tuple[float, float] = (8.0, 10.0),
    dpi: int = 110,
) -> bytes:
    """The chart as PNG bytes, ``size`` inches at ``dpi`` (8 × 10 in at 110 dpi: 880 × 1100 px)."""
    image = draw_chart(profile, competences, labels, previous_areas, size=size, dpi=dpi)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def draw_chart(
    profile: Profile,
    competences: Sequence[Competence],
    labels: ChartLabels,
    previous_areas: Mapping[str, int | None] | None = None,
    *,
    size: tuple[float, float] = (8.0, 10.0),
    dpi: int = 110,
) -> Image:
    """The chart as a Pillow image (RGB), not encoded: what the PDF embeds as it is, with no PNG
    written and read back in between."""
    pen = _Pen(size, dpi)
    codes = list(profile.areas)
    area_texts = [f"{c}. {labels.area_names[c]}" for c in codes]
    competence_texts = [labels.competence_labels[c.code] for c in competences]
    area_size, competence_size = 9.0, 8.0

    # Across: margin, label column, tick and pad, the plot, margin. The column is as wide as
    # the longest label, or as its longest line once the labels are wrapped to the share.
    limit = LABEL_SHARE * pen.width
    column = max(
        pen.font(points).getlength(line)
        for points, texts in ((area_size, area_texts), (competence_size, competence_texts))
        for text in texts
        for line in _wrap(text, pen.font(points), limit)
    )
    left = pen.pt(5) + column + pen.pt(7)
    right = pen.width - pen.pt(6)

    # Down: title, the bands' key, areas heading, areas panel, ticks (and legend), competences
    # heading, competences panel, ticks, axis label; the two panels share what is left, an area
    # row counting as 1 (1.3 with the previous bars too) to a competence row's 0.8.
    ticks = pen.pt(7) + pen.line(pen.font(10))
    legend = pen.pt(5) + pen.line(pen.font(8)) if previous_areas else 0.0
    # Under the title, what the shaded bands are, in words at a size a phone shows without
    # zooming (a band's name squeezed over its two levels came out a few pixels high).
    key_font = pen.font(KEY_POINTS)
    key_lines = _wrap(_band_key(labels.band_names), key_font, pen.width - pen.pt(12))
    above_areas = (
        pen.pt(6)
        + pen.line(pen.font(13, bold=True))
        + pen.pt(3)
        + len(key_lines) * pen.line(key_font)
        + pen.pt(8)
        + pen.line(pen.font(11))
        + pen.pt(6)
    )
    above_competences = pen.pt(14) + pen.line(pen.font(11)) + pen.pt(6)
    below_competences = pen.pt(3) + pen.line(pen.font(9)) + pen.pt(5)
    fixed = above_areas + ticks + legend + above_competences + ticks + below_competences
    panels = pen.height - fixed
    area_rows = len(codes) * (1.3 if previous_areas else 1.0)
    areas_height = panels * area_rows / (area_rows + len(competences) * 0.8)

    pen.text((pen.width / 2, pen.pt(6)), labels.title, 13, anchor="ma", bold=True)
    y = pen.pt(6) + pen.line(pen.font(13, bold=True)) + pen.pt(3)
    for line in key_lines:
        pen.text((pen.width / 2, y), line, key_font, anchor="ma", fill=MUTED)
        y += pen.line(key_font)
    areas = _Panel(left, above_areas, right, above_areas + areas_height, len(codes))
    pen.text((left, areas.top - pen.pt(6)), labels.areas_title, 11, anchor="ld")
    _frame(pen, areas)
    _areas(pen, areas, profile, labels, area_texts, previous_areas, column, area_size)
    if previous_areas:
        _legend(pen, right, areas.bottom + ticks + pen.pt(5), labels)

    top = areas.bottom + ticks + legend + above_competences
    bottom = pen.height - below_competences - ticks
    panel = _Panel(left, top, right, bottom, len(competences))
    pen.text((left, top - pen.pt(6)), labels.competences_title, 11, anchor="ld")
    _frame(pen, panel)
    _competences(pen, panel, profile, competences, labels, competence_texts, column)
    pen.text(((left + right) / 2, bottom + ticks + pen.pt(3)), labels.level_axis, 9, anchor="ma")
    return pen.finished()


class _Pen:
    """A white canvas ``SCALE`` times the output size; lengths in points turn into its pixels."""

    def __init__(self, size: tuple[float, float], dpi: int) -> None:
        from PIL import Image, ImageDraw

        self.size = (round(size[0] * dpi), round(size[1] * dpi))
        self.unit = dpi / 72 * SCALE  # canvas pixels per point
        self.image = Image.new("RGB", (self.size[0] * SCALE, self.size[1] * SCALE), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.width, self.height = self.image.size

    def pt(self, points: float) -> float:
        return points * self.unit

    def stroke(self, points: float) -> int:
        return max(1, round(points * self.unit))

    def font(self, points: float, *, bold: bool = False) -> FreeTypeFont:
        return load_font(max(1, round(points * self.unit)), bold)

    @staticmethod
    def line(font: FreeTypeFont) -> float:
        """The height of one line of text in ``font``."""
        ascent, descent = font.getmetrics()
        return ascent + descent

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        points: float | FreeTypeFont,
        *,
        anchor: str,
        fill: str = INK,
        bold: bool = False,
    ) -> None:
        font = points if not isinstance(points, int | float) else self.font(points, bold=bold)
        self.draw.text(xy, text, font=font, fill=fill, anchor=anchor)

    def finished(self) -> Image:
        """The canvas at the output size."""
        from PIL import Image

        image = self.image
        if image.size != self.size:
            image = image.resize(self.size, Image.Resampling.LANCZOS)
        return image


@dataclass(frozen=True)
class _Panel:
    """A plot area in canvas pixels: levels 0–``X_MAX`` across, ``rows`` bars down (row 0 on
    top), with 0.6 of a row's space above the first row and below the last one."""

    left: float
    top: float
    right: float
    bottom: float
    rows: int

    def x(self, level: float) -> float:
        return self.left + level / X_MAX * (self.right - self.left)

    @property
    def row(self) -> float:
        return (self.bottom - self.top) / (self.rows + 0.2)

    def y(self, row: int) -> float:
        return self.top + (row + 0.6) * self.row

    def bar(self, pen: _Pen, row_y: float, level: float, height: float, colour: str) -> None:
        if level <= 0:
            return
        half = height * self.row / 2
        pen.draw.rectangle((self.x(0), row_y - half, self.x(level), row_y + half), fill=colour)


def _band_key(band_names: Sequence[str]) -> str:
    """ "1–2 foundation · 3–4 intermediate · …": the bands' levels and names."""
    return " · ".join(f"{2 * i + 1}–{2 * i + 2} {name}" for i, name in enumerate(band_names))


def _frame(pen: _Pen, panel: _Panel) -> None:
    """The level bands, the white grid, the left and bottom axis lines, ticks and tick labels."""
    for index, shade in enumerate(BAND_SHADES):
        box = (panel.x(index * 2), panel.top, panel.x(index * 2 + 2), panel.bottom)
        pen.draw.rectangle(box, fill=shade)
    thin = pen.stroke(0.8)
    for level in range(1, 9):
        x = panel.x(level)
        pen.draw.line((x, panel.top, x, panel.bottom), fill="white", width=thin)
        pen.draw.line((x, panel.bottom, x, panel.bottom + pen.pt(3.5)), fill=INK, width=thin)
        pen.text((x, panel.bottom + pen.pt(7)), str(level), 10, anchor="ma")
    pen.draw.line((panel.left, panel.top, panel.left, panel.bottom), fill=INK, width=thin)
    pen.draw.line((panel.left, panel.bottom, panel.right, panel.bottom), fill=INK, width=thin)


def _row_label(pen: _Pen, panel: _Panel, row: int, text: str, points: float, column: float) -> None:
    """A row's label right-aligned before its tick, wrapped (and smaller) when too long."""
    y = panel.y(row)
    thin = pen.stroke(0.8)
    pen.draw.line((panel.left - pen.pt(3.5), y, panel.left, y), fill=INK, width=thin)
    font, lines = _fit_label(pen, text, points, column, panel.row * 0.95)
    step = pen.line(font)
    first = y - step * (len(lines) - 1) / 2
    for index, line in enumerate(lines):
        pen.text((panel.left - pen.pt(7), first + index * step), line, font, anchor="rm")


def _fit_label(
    pen: _Pen, text: str, points: float, width: float, height: float
) -> tuple[FreeTypeFont, list[str]]:
    """The font and lines to show ``text`` within ``width``: one line if it fits, else wrapped
    at spaces (a word too long on its own is broken), made smaller step by step while the lines
    are taller than ``height`` (down to ``SMALLEST`` of the size; then taller is accepted)."""
    size = points
    while True:
        font = pen.font(size)
        lines = _wrap(text, font, width)
        if len(lines) * pen.line(font) <= height or size <= points * SMALLEST:
            return font, lines
        size -= 0.25


def _wrap(text: str, font: FreeTypeFont, width: float) -> list[str]:
    """``text`` in as few lines within ``width`` as it takes, balanced: the narrowest width that
    still gives that many lines."""
    if font.getlength(text) <= width:
        return [text]
    lines = _greedy(text, font, width)
    low, high = width / len(lines), width
    while high - low > 2:
        middle = (low + high) / 2
        if len(_greedy(text, font, middle)) <= len(lines):
            high = middle
        else:
            low = middle
    return _greedy(text, font, high)


def _greedy(text: str, font: FreeTypeFont, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while font.getlength(word) > width and len(word) > 1:  # break a word wider than a line
            cut = len(word) - 1
            while cut > 1 and font.getlength(word[:cut] + "-") > width:
                cut -= 1
            lines.append(word[:cut] + "-")
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _areas(
    pen: _Pen,
    panel: _Panel,
    profile: Profile,
    labels: ChartLabels,
    texts: Sequence[str],
    previous: Mapping[str, int | None] | None,
    column: float,
    points: float,
) -> None:
    height = 0.38 if previous else 0.6
    offset = (height / 2 if previous else 0.0) * panel.row
    now_font, before_font = pen.font(9), pen.font(8)
    if previous:  # in a low chart the two values of an area would touch: smaller then
        most = max(8, round(2 * offset / 0.8))  # digits are about 0.73 of the size tall
        now_font = load_font(min(now_font.size, most))
        before_font = load_font(min(before_font.size, most))
    for row, (code, text) in enumerate(zip(profile.areas, texts, strict=True)):
        y = panel.y(row)
        value = profile.areas[code] or 0
        panel.bar(pen, y - offset, value, height, AREA_COLOURS.get(code, OTHER_COLOUR))
        shown = str(value) if value else labels.skipped
        pen.text((panel.x(value + 0.08), y - offset), shown, now_font, anchor="lm")
        if previous:
            before = previous.get(code) or 0
            panel.bar(pen, y + offset, before, height, PREVIOUS_COLOUR)
            if before:
                at = (panel.x(before + 0.08), y + offset)
                pen.text(at, str(before), before_font, anchor="lm", fill=MUTED)
        _row_label(pen, panel, row, text, points, column)


def _legend(pen: _Pen, right: float, top: float, labels: ChartLabels) -> None:
    """Now / before, right-aligned: "now" is a patch of the five area colours."""
    font = pen.font(8)
    em = pen.pt(8)
    patch_w, patch_h = 2.0 * em, 0.7 * em
    entries = [(list(AREA_COLOURS.values()), labels.now), ([PREVIOUS_COLOUR], labels.before)]
    widths = [patch_w + 0.8 * em + font.getlength(text) for _, text in entries]
    x = right - sum(widths) - 2.0 * em * (len(entries) - 1)
    middle = top + pen.line(font) / 2
    for (colours, text), width in zip(entries, widths, strict=True):
        stripe = patch_w / len(colours)
        for index, colour in enumerate(colours):
            box = (
                x + index * stripe,
                middle - patch_h / 2,
                x + (index + 1) * stripe,
                middle + patch_h / 2,
            )
            pen.draw.rectangle(box, fill=colour)
        pen.text((x + patch_w + 0.8 * em, middle), text, font, anchor="lm")
        x += width + 2.0 * em


def _competences(
    pen: _Pen,
    panel: _Panel,
    profile: Profile,
    competences: Sequence[Competence],
    labels: ChartLabels,
    texts: Sequence[str],
    column: float,
) -> None:
    for row, (competence, text) in enumerate(zip(competences, texts, strict=True)):
        y = panel.y(row)
        value = profile.competences.get(competence.code) or 0
        panel.bar(pen, y, value, 0.65, AREA_COLOURS.get(competence.area, OTHER_COLOUR))
        shown = str(value) if value else labels.skipped
        pen.text((panel.x(value + 0.08), y), shown, 8, anchor="lm")
        _row_label(pen, panel, row, text, 8, column)
