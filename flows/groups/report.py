"""The teacher's report of a closed round: chat texts, a phone chart (Pillow) and an XLSX with
the same aggregate numbers. Everything here reads a ``GroupProfile`` — numbers already
suppressed by ``aggregate`` — and never one learner's levels."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from flows.digcomp.content import BANDS, Competence
from flows.engine import FileSpec
from flows.groups.aggregate import Change, GroupProfile, Row
from flows.texts import CONTENT_DIR, load_flow_texts
from knowledge.texts import Catalogue

HIDDEN = "–"  # a cell (or a whole row) shown for fewer than 5 people: nothing
BAND_COLOURS = ("#90cdf4", "#4299e1", "#2b6cb0", "#1a365d")
HIDDEN_COLOUR = "#cbd5e0"
INK, MUTED = "#000000", "#4a5568"
WIDTH = 1080
FONTS = CONTENT_DIR / "fonts"


@cache
def group_texts() -> Catalogue:
    """The group report's texts with the DigComp texts (area and band names) they use."""
    return load_flow_texts("digcomp").merged(Catalogue.load(CONTENT_DIR / "groups.yaml"))


def _number(value: float | None, lang: str) -> str:
    if value is None:
        return HIDDEN
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "lv" else text


def _signed(value: float | None, lang: str) -> str:
    return ("+" if value and value > 0 else "") + _number(value, lang)


@dataclass(frozen=True)
class Comparison:
    """The change per area against an earlier round (``learners`` finished both; None: fewer
    than 5 did, so no change is shown)."""

    round_name: str
    learners: int | None
    areas: tuple[Change, ...] = ()


class GroupReport:
    """One closed round's report in one language."""

    def __init__(
        self,
        profile: GroupProfile,
        competences: Sequence[Competence],
        *,
        group: str,
        round_name: str,
        closed_on: date,
        lang: str,
        comparison: Comparison | None = None,
        texts: Catalogue | None = None,
    ) -> None:
        self.profile = profile
        self.competences = tuple(competences)
        self.by_code = {c.code: c for c in competences}
        self.group = group
        self.round_name = round_name
        self.closed_on = closed_on
        self.lang = lang
        self.comparison = comparison
        self.texts = texts or group_texts()

    def t(self, key: str, **values: object) -> str:
        return self.texts.text(key, self.lang, **values)

    def area_name(self, area: str) -> str:
        return self.t(f"digcomp.area.{area}")

    def competence_name(self, code: str) -> str:
        return f"{code} {self.by_code[code].short.get(self.lang)}"

    def band_names(self) -> list[str]:
        return [self.t(f"digcomp.band_short.{band}") for band in BANDS]

    @staticmethod
    def cell(value: int | None) -> str:
        return HIDDEN if value is None else str(value)

    def _row_line(self, name: str, row: Row) -> str:
        if not row.shown:
            return self.t("groups.report.row_hidden", name=name)
        cells = " · ".join(self.cell(c) for c in row.cells)
        return self.t(
            "groups.report.row", name=name, cells=cells, mean=_number(row.mean, self.lang)
        )

    # ---- chat ----------------------------------------------------------------------------
    def summary_message(self) -> str:
        lines = [
            self.t(
                "groups.report.heading",
                group=self.group,
                round=self.round_name,
                date=self.closed_on.strftime("%d.%m.%Y"),
            ),
            self.t("groups.report.finished", count=self.profile.finished),
            "",
            self.t("groups.report.areas_heading", bands=" · ".join(self.band_names())),
            *(self._row_line(self.area_name(r.code), r) for r in self.profile.areas),
            "",
            self.t("groups.report.weakest_heading"),
        ]
        for number, code in enumerate(self.profile.weakest, start=1):
            competence = self.by_code[code]
            row = next(r for r in self.profile.competences if r.code == code)
            lines.append(
                self.t(
                    "groups.report.weakest_item",
                    number=number,
                    name=self.competence_name(code),
                    mean=_number(row.mean, self.lang),
                    practise=competence.practise.get(self.lang),
                )
            )
        change = self.change_lines()
        if change:
            lines += ["", *change]
        lines += ["", self.t("groups.report.suppression", minimum=5), self.t("groups.report.note")]
        return "\n".join(lines)

    def competences_message(self) -> str:
        lines = [self.t("groups.report.competences_heading", bands=" · ".join(self.band_names()))]
        lines += [self._row_line(self.competence_name(r.code), r) for r in self.profile.competences]
        return "\n".join(lines)

    def change_lines(self) -> list[str]:
        if self.comparison is None:
            return []
        if self.comparison.learners is None:
            return [
                self.t(
                    "groups.report.change_withheld",
                    round=self.comparison.round_name,
                    minimum=5,
                )
            ]
        lines = [
            self.t(
                "groups.report.change_heading",
                round=self.comparison.round_name,
                count=self.comparison.learners,
            )
        ]
        for item in self.comparison.areas:
            lines.append(
                self.t(
                    "groups.report.change_item",
                    name=self.area_name(item.area),
                    before=_number(item.before, self.lang),
                    after=_number(item.after, self.lang),
                    delta=_signed(item.delta, self.lang),
                )
            )
        return lines

    def messages(self) -> tuple[str, ...]:
        return (self.summary_message(), self.competences_message())

    # ---- files ---------------------------------------------------------------------------
    def _stem(self) -> str:
        return f"{self.t('groups.report.file')}-{self.closed_on.isoformat()}"

    def chart_file(self) -> FileSpec:
        caption = self.t("groups.report.chart_caption", round=self.round_name)
        return FileSpec(f"{self._stem()}.png", self.chart_bytes, caption=caption, is_image=True)

    def xlsx_file(self) -> FileSpec:
        caption = self.t("groups.report.xlsx_caption")
        return FileSpec(f"{self._stem()}.xlsx", self.xlsx_bytes, caption=caption)

    def xlsx_bytes(self) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        header = [
            self.t("groups.sheet.code"),
            self.t("groups.sheet.name"),
            *self.band_names(),
            self.t("groups.sheet.mean"),
        ]
        sheets = (
            (self.t("groups.sheet.areas"), self.profile.areas, self.area_name),
            (
                self.t("groups.sheet.competences"),
                self.profile.competences,
                lambda code: self.by_code[code].short.get(self.lang),
            ),
        )
        for index, (title, rows, name_of) in enumerate(sheets):
            sheet = book.active if index == 0 else book.create_sheet()
            assert sheet is not None
            sheet.title = title[:31]
            sheet.append([f"{self.group} — {self.round_name}"])
            sheet.append([self.t("groups.report.finished", count=self.profile.finished)])
            sheet.append([self.t("groups.report.suppression", minimum=5)])
            sheet.append(header)
            for row in rows:
                cells: list[object] = [self.cell(c) for c in row.cells]
                cells = [int(c) if isinstance(c, str) and c.isdigit() else c for c in cells]
                mean: object = row.mean if row.mean is not None else HIDDEN
                if not row.shown:
                    cells = [HIDDEN] * len(BANDS)
                sheet.append([row.code, name_of(row.code), *cells, mean])
            for cell in sheet[4]:
                cell.font = Font(bold=True)
            sheet.column_dimensions["B"].width = 42
        if self.comparison is not None and self.comparison.learners is not None:
            sheet = book.create_sheet(self.t("groups.sheet.change")[:31])
            sheet.append(
                [
                    self.t(
                        "groups.report.change_heading",
                        round=self.comparison.round_name,
                        count=self.comparison.learners,
                    )
                ]
            )
            sheet.append(
                [
                    self.t("groups.sheet.code"),
                    self.t("groups.sheet.name"),
                    self.t("groups.sheet.before"),
                    self.t("groups.sheet.after"),
                    self.t("groups.sheet.delta"),
                ]
            )
            for item in self.comparison.areas:
                sheet.append(
                    [
                        item.area,
                        self.area_name(item.area),
                        *(
                            HIDDEN if v is None else v
                            for v in (item.before, item.after, item.delta)
                        ),
                    ]
                )
            sheet.column_dimensions["B"].width = 42
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def chart_bytes(self) -> bytes:
        return render_chart(self)


# ---- the chart ---------------------------------------------------------------------------
@cache
def _font(size: int, bold: bool = False) -> object:
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(FONTS) / name), size)


def render_chart(report: GroupReport) -> bytes:
    """Stacked bars, one per area and competence: learners per band (a count inside each shown
    part), grey for the part hidden because it holds fewer than 5 people. Portrait, phone-sized."""
    from PIL import Image, ImageDraw

    rows: list[tuple[str, Row, bool]] = [
        (f"{r.code}. {report.area_name(r.code)}", r, True) for r in report.profile.areas
    ]
    rows += [(report.competence_name(r.code), r, False) for r in report.profile.competences]
    margin, top, row_height, bar_height = 40, 250, 66, 30
    height = top + row_height * len(rows) + 40 + 30
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    title, small, label, bold = _font(40, True), _font(24), _font(26), _font(26, True)
    draw.text((margin, 30), report.group[:40], font=title, fill=INK)  # type: ignore[arg-type]
    sub = report.t("groups.chart.subtitle", round=report.round_name, count=report.profile.finished)
    draw.text((margin, 85), sub, font=label, fill=MUTED)  # type: ignore[arg-type]
    # legend
    x = margin
    for colour, name in (*zip(BAND_COLOURS, report.band_names(), strict=True),):
        draw.rectangle((x, 140, x + 26, 166), fill=colour)
        draw.text((x + 34, 140), name, font=small, fill=INK)  # type: ignore[arg-type]
        x += 44 + int(draw.textlength(name, font=small))  # type: ignore[arg-type]
    draw.rectangle((margin, 185, margin + 26, 211), fill=HIDDEN_COLOUR)
    hidden_note = report.t("groups.chart.hidden", minimum=5)
    draw.text((margin + 34, 185), hidden_note, font=small, fill=INK)  # type: ignore[arg-type]
    width = WIDTH - 2 * margin
    y = top
    for index, (name, row, is_area) in enumerate(rows):
        if index == len(report.profile.areas):
            y += 20
            draw.line((margin, y - 12, WIDTH - margin, y - 12), fill=MUTED, width=2)
        draw.text((margin, y), name[:60], font=bold if is_area else label, fill=INK)  # type: ignore[arg-type]
        bar_top = y + 32
        if not row.shown:
            draw.rectangle(
                (margin, bar_top, margin + width, bar_top + bar_height), fill=HIDDEN_COLOUR
            )
            draw.text((margin + 10, bar_top + 1), HIDDEN, font=small, fill=INK)  # type: ignore[arg-type]
            y += row_height
            continue
        x0 = float(margin)
        for colour, cell in zip(BAND_COLOURS, row.cells, strict=True):
            if cell is None:
                continue
            x1 = x0 + width * cell / row.assessed
            draw.rectangle((round(x0), bar_top, round(x1), bar_top + bar_height), fill=colour)
            text_colour = "white" if colour in BAND_COLOURS[2:] else INK
            draw.text((round(x0) + 8, bar_top + 1), str(cell), font=small, fill=text_colour)  # type: ignore[arg-type]
            x0 = x1
        if x0 < margin + width - 1:
            draw.rectangle(
                (round(x0), bar_top, margin + width, bar_top + bar_height), fill=HIDDEN_COLOUR
            )
        mean = _number(row.mean, report.lang)
        mean_text = report.t("groups.chart.mean", mean=mean)
        tw = draw.textlength(mean_text, font=small)  # type: ignore[arg-type]
        draw.text((WIDTH - margin - tw, y), mean_text, font=small, fill=MUTED)  # type: ignore[arg-type]
        y += row_height
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
