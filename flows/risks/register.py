"""The risk register as the user gets it: chat messages, a heat map, and XLSX and CSV files."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from flows.dates import show_date
from flows.engine import FileSpec
from flows.fonts import load_font
from flows.risks.content import RESPONSES, RiskContent
from flows.risks.scoring import Risk, level_of, status_counts, status_step
from knowledge.texts import Catalogue

if TYPE_CHECKING:
    from PIL.Image import Image
    from PIL.ImageFont import FreeTypeFont

MARKERS = {"low": "🟢", "medium": "🟡", "high": "🔴"}
LEVEL_COLOURS = {"low": "#9ae6b4", "medium": "#faf089", "high": "#feb2b2"}
LOG_STATUSES = ("open", "monitored", "closed")  # a PM² risk log entry over time
IN_CHAT = 8  # risks listed in the chat message; the files have all of them
TOP_IN_SUMMARY = 3  # risks named in the short summary
PER_PAGE = 5  # risks on one page of a level's list in the chat
HEATMAP_SIZE = (704, 660)  # pixels (was 6.4 × 6.0 in at 110 dpi)
HEATMAP_UNIT = 110 / 72  # pixels per point (110 dpi)
INK = "#000000"
NUMBERS_INK = "#1a202c"


class RegisterReport:
    """Texts and files of one register in one language."""

    def __init__(
        self,
        texts: Catalogue,
        content: RiskContent,
        risks: Sequence[Risk],
        answers: Mapping[str, Any],
        *,
        project: str,
        when: date,
        lang: str,
        changed: Mapping[str, str] | None = None,
        activity: Sequence[Sequence[str]] = (),
    ) -> None:
        """``changed``: on a shared project, who last changed each item and when ("Anna,
        01.12.2026"); ``activity``: the project's log (when, who, tool, items) for its sheet."""
        self.texts = texts
        self.content = content
        self.risks = risks
        self.answers = answers
        self.project = project
        self.when = when
        self.lang = lang
        self.changed = dict(changed or {})
        self.activity = activity

    def t(self, key: str, **values: object) -> str:
        return self.texts.text(key, self.lang, **values)

    def group_name(self, group: str) -> str:
        return self.content.groups[group].get(self.lang)

    def _date(self, iso: str | None) -> str:
        return show_date(date.fromisoformat(iso)) if iso else ""

    # ---- chat --------------------------------------------------------------------------
    def summary(self) -> str:
        counts = status_counts(self.content.items, self.answers)
        lines = [
            self.t("risks.result.heading", project=self.project, date=show_date(self.when)),
            self.t("risks.result.counts", total=sum(counts.values()), **counts),
        ]
        return "\n".join(lines)

    def short_summary(self, reminders: int = 0) -> str:
        """The result on a phone: counts, risks by level and the three highest (≤ 12 lines)."""
        lines = [self.summary()]
        if not self.risks:
            lines += ["", self.t("risks.result.none")]
            return "\n".join(lines)
        levels = {level: sum(r.level == level for r in self.risks) for level in MARKERS}
        lines.append(
            " · ".join(
                f"{MARKERS[level]} {count} {self.t(f'risks.result.levels.{level}')}"
                for level, count in reversed(levels.items())
                if count
            )
        )
        lines += ["", self.t("risks.result.top")]
        for index, risk in enumerate(self.risks[:TOP_IN_SUMMARY], start=1):
            group = self.group_name(risk.item.group)
            risk_text = risk.item.risk.get(self.lang)
            lines.append(f"{index}. {MARKERS[risk.level]} {risk.score} · {group} — {risk_text}")
        if reminders:
            lines += ["", self.t("risks.result.reminders", count=reminders)]
        if len(self.risks) > TOP_IN_SUMMARY:
            lines += ["", self.t("risks.result.see_levels")]
        return "\n".join(lines)

    def level_pages(self, level: str) -> list[tuple[str, str]]:
        """Every risk of one level with its response, mitigation, owner and review date, as
        (button label, message) pages of at most ``PER_PAGE`` risks: short enough to read on a
        phone without scrolling through a whole register. Risks keep their numbers across pages."""
        chosen = [r for r in self.risks if r.level == level]
        if len(chosen) <= PER_PAGE:
            label = self.level_label(level)
            return [
                (label, "\n\n".join([label, *(self._line(n, r) for n, r in enumerate(chosen, 1))]))
            ]
        pages = []
        for first in range(1, len(chosen) + 1, PER_PAGE):
            last = min(first + PER_PAGE - 1, len(chosen))
            label = self.t(
                "risks.result.level_page",
                marker=MARKERS[level],
                name=self.t(f"risks.result.level_names.{level}"),
                first=first,
                last=last,
                count=len(chosen),
            )
            lines = (self._line(n, chosen[n - 1]) for n in range(first, last + 1))
            pages.append((label, "\n\n".join([label, *lines])))
        return pages

    def level_label(self, level: str) -> str:
        """ "🔴 High risks (3)": a level's button and heading."""
        count = sum(r.level == level for r in self.risks)
        return f"{MARKERS[level]} {self.t(f'risks.result.level_names.{level}')} ({count})"

    def _line(self, index: int, risk: Risk) -> str:
        line = self.t(
            "risks.result.line",
            index=index,
            marker=MARKERS[risk.level],
            score=risk.score,
            group=self.group_name(risk.item.group),
            risk=risk.item.risk.get(self.lang),
            response=self.t(f"risks.response.{risk.response}"),
            mitigation=risk.item.mitigation.get(self.lang),
        )
        extra = []
        if risk.owner:
            extra.append(self.t("risks.result.owner", owner=risk.owner))
        if risk.review:
            extra.append(self.t("risks.result.review", date=self._date(risk.review)))
        if risk.item.id in self.changed:
            extra.append(self.t("risks.result.changed_by", who=self.changed[risk.item.id]))
        return line + ("\n" + " · ".join(extra) if extra else "")

    def top_risks(self) -> str:
        if not self.risks:
            return self.t("risks.result.none")
        parts = [self.t("risks.result.top")]
        parts += [
            self._line(index, risk) for index, risk in enumerate(self.risks[:IN_CHAT], start=1)
        ]
        if len(self.risks) > IN_CHAT:
            parts.append(self.t("risks.result.more", count=len(self.risks) - IN_CHAT))
        return "\n\n".join(parts)

    # ---- heat map ----------------------------------------------------------------------
    def heatmap(self) -> FileSpec:
        caption = self.t("risks.result.heatmap_caption", count=len(self.risks))
        name = f"{self.t('risks.sheet.file')}-{self.when.isoformat()}.png"
        return FileSpec(name, self.heatmap_png, caption=caption, is_image=True)

    def heatmap_png(self) -> bytes:
        cells: dict[tuple[int, int], list[str]] = {}
        for index, risk in enumerate(self.risks, start=1):
            cells.setdefault((risk.likelihood, risk.impact), []).append(str(index))
        return _heatmap_png(
            cells,
            title=self.t("risks.heatmap.title", project=self.project),
            x_label=self.t("risks.heatmap.likelihood"),
            y_label=self.t("risks.heatmap.impact"),
        )

    # ---- files -------------------------------------------------------------------------
    def rows(self) -> list[list[object]]:
        """One row a risk, as a PM² risk log: what it is, its rating, the response and owner,
        and the columns to track it over time (risk status, last and next review, notes). Dates
        are ``date`` values (the XLSX keeps them as dates; the CSV writes them as 15.01.2027)."""
        rows: list[list[object]] = []
        for index, risk in enumerate(self.risks, start=1):
            rows.append(
                [
                    index,
                    self.group_name(risk.item.group),
                    risk.item.risk.get(self.lang),
                    self.t(f"risks.status_name.{risk.status}"),
                    risk.likelihood,
                    risk.impact,
                    risk.score,
                    self.t(f"risks.result.level.{risk.level}"),
                    self.t(f"risks.response.{risk.response}"),
                    risk.item.mitigation.get(self.lang),
                    risk.owner or "",
                    self.t("risks.log_status.open"),
                    self.when,
                    date.fromisoformat(risk.review) if risk.review else None,
                    "",
                    *([self.changed.get(risk.item.id, "")] if self.changed else []),
                ]
            )
        return rows

    def columns(self) -> list[str]:
        """The register's columns; on a shared project also who last changed each risk."""
        extra = [self.t("risks.sheet.changed_column")] if self.changed else []
        return self.t("risks.sheet.columns").split("|") + extra

    def csv_file(self) -> FileSpec:
        name = f"{self.t('risks.sheet.file')}-{self.when.isoformat()}.csv"
        return FileSpec(name, self.csv_bytes, caption=self.t("risks.result.csv_caption"))

    def csv_bytes(self) -> bytes:
        """The register for Excel as set up in Latvia: ";" between columns (the list separator
        there), dates as 15.01.2027, and a BOM so the diacritics are read as UTF-8."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(self.columns())
        for row in self.rows():
            writer.writerow([show_date(v) if isinstance(v, date) else v for v in row])
        return buffer.getvalue().encode("utf-8-sig")

    def xlsx_file(self) -> FileSpec:
        name = f"{self.t('risks.sheet.file')}-{self.when.isoformat()}.xlsx"
        return FileSpec(name, self.xlsx_bytes, caption=self.t("risks.result.xlsx_caption"))

    def xlsx_bytes(self) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.worksheet.datavalidation import DataValidation

        book = Workbook()
        sheet = book.active
        sheet.title = self.t("risks.sheet.register")[:31]
        sheet.append(self.columns())
        for row, risk in zip(self.rows(), self.risks, strict=True):
            sheet.append(row)
            fill = PatternFill("solid", fgColor=LEVEL_COLOURS[risk.level].lstrip("#"))
            sheet.cell(row=sheet.max_row, column=7).fill = fill
        widths: tuple[int, ...] = (5, 18, 45, 12, 12, 10, 10, 10, 14, 60, 18, 14, 14, 14, 40)
        widths += (24,) if self.changed else ()
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[chr(64 + column)].width = width
        for cells in sheet.iter_rows(min_row=1):
            for cell in cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if isinstance(cell.value, date):
                    cell.number_format = "DD.MM.YYYY"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        last_column = chr(64 + len(widths))
        sheet.auto_filter.ref = f"A1:{last_column}{max(sheet.max_row, 2)}"
        # Drop-down lists, for the rows there are and a good many to add.
        end = max(sheet.max_row, 2) + 100
        choices = {
            "I": [self.t(f"risks.response.{r}") for r in RESPONSES],
            "L": [self.t(f"risks.log_status.{s}") for s in LOG_STATUSES],
        }
        for letter, values in choices.items():
            listed = DataValidation(type="list", formula1=f'"{",".join(values)}"', allow_blank=True)
            listed.add(f"{letter}2:{letter}{end}")
            sheet.add_data_validation(listed)
        rating = DataValidation(type="whole", operator="between", formula1="1", formula2="5")
        rating.add(f"E2:F{end}")
        sheet.add_data_validation(rating)
        for letter in ("M", "N"):
            when = DataValidation(type="date", operator="greaterThan", formula1="36526")
            when.add(f"{letter}2:{letter}{end}")
            sheet.add_data_validation(when)
        checklist = book.create_sheet(self.t("risks.sheet.checklist")[:31])
        extra = [self.t("risks.sheet.changed_column")] if self.changed else []
        checklist.append(self.t("risks.sheet.checklist_columns").split("|") + extra)
        for item in self.content.items:
            status = self.answers.get(status_step(item.id))
            shown = self.t(f"risks.status.{status}") if status else ""
            row = [self.group_name(item.group), item.check.get(self.lang), shown]
            checklist.append(row + ([self.changed.get(item.id, "")] if self.changed else []))
        for letter, width in zip("ABCD", (18, 80, 14, 24), strict=False):
            checklist.column_dimensions[letter].width = width
        if self.activity:
            log = book.create_sheet(self.t("risks.sheet.activity")[:31])
            log.append(self.t("risks.sheet.activity_columns").split("|"))
            for entry in self.activity:
                log.append(list(entry))
            for letter, width in zip("ABCD", (18, 22, 30, 80), strict=True):
                log.column_dimensions[letter].width = width
            for cell in log[1]:
                cell.font = Font(bold=True)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def _wrap(numbers: list[str], per_line: int = 4) -> list[str]:
    return [", ".join(numbers[i : i + per_line]) for i in range(0, len(numbers), per_line)]


def _heatmap_png(
    cells: Mapping[tuple[int, int], list[str]], *, title: str, x_label: str, y_label: str
) -> bytes:
    """The 5 × 5 likelihood × impact grid coloured by score band, with the numbers of the risks
    in their cells, as PNG drawn with Pillow (the text anti-aliased by FreeType)."""
    from PIL import Image, ImageDraw

    def pt(points: float) -> float:
        return points * HEATMAP_UNIT

    def font(points: float, *, bold: bool = False) -> FreeTypeFont:
        return load_font(max(1, round(pt(points))), bold)

    def line(of: FreeTypeFont) -> int:
        ascent, descent = of.getmetrics()
        return ascent + descent

    width, height = HEATMAP_SIZE
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    tick_font, title_font = font(10), font(12)
    thin = max(1, round(pt(0.8)))

    # The square grid in the space the title, ticks and axis labels leave.
    top = pt(6) + line(title_font) + pt(6)
    bottom = height - (pt(7) + line(tick_font) + pt(4) + line(tick_font) + pt(6))
    left = pt(6) + line(tick_font) + pt(4) + tick_font.getlength("5") + pt(7)
    right = width - pt(8)
    side = min(right - left, bottom - top)
    left += (right - left - side) / 2
    top += (bottom - top - side) / 2
    cell = side / 5

    def x(likelihood: float) -> float:
        return left + (likelihood - 0.5) * cell

    def y(impact: float) -> float:
        return top + (5.5 - impact) * cell

    for likelihood in range(1, 6):
        for impact in range(1, 6):
            colour = LEVEL_COLOURS[level_of(likelihood * impact)]
            box = (x(likelihood - 0.5), y(impact + 0.5), x(likelihood + 0.5), y(impact - 0.5))
            draw.rectangle(box, fill=colour)
    edge = max(1, round(pt(2)))
    for step in range(1, 5):  # the white lines between the cells
        draw.line((left + step * cell, top, left + step * cell, top + side), "white", edge)
        draw.line((left, top + step * cell, left + side, top + step * cell), "white", edge)
    draw.rectangle((left, top, left + side, top + side), outline="white", width=edge // 2 + 1)
    draw.rectangle((left, top, left + side, top + side), outline=INK, width=thin)

    for (likelihood, impact), numbers in cells.items():
        lines = _wrap(numbers)
        size = 11.0
        while True:  # smaller when a crowded cell's numbers would not fit in it
            numbers_font = font(size, bold=True)
            step = line(numbers_font)
            widest = max(numbers_font.getlength(text) for text in lines)
            if (widest <= cell * 0.9 and step * len(lines) <= cell * 0.9) or size <= 5:
                break
            size -= 0.5
        first = y(impact) - step * (len(lines) - 1) / 2
        for index, text in enumerate(lines):
            draw.text((x(likelihood), first + index * step), text, NUMBERS_INK, numbers_font, "mm")

    for value in range(1, 6):
        draw.line((x(value), top + side, x(value), top + side + pt(3.5)), INK, thin)
        draw.text((x(value), top + side + pt(7)), str(value), INK, tick_font, "ma")
        draw.line((left - pt(3.5), y(value), left, y(value)), INK, thin)
        draw.text((left - pt(7), y(value)), str(value), INK, tick_font, "rm")
    draw.text((left + side / 2, top - pt(6)), title, INK, title_font, "md")
    axis_top = top + side + pt(7) + line(tick_font) + pt(4)
    draw.text((left + side / 2, axis_top), x_label, INK, tick_font, "ma")
    label_right = left - pt(7) - tick_font.getlength("5") - pt(4)
    _vertical_text(image, label_right, top + side / 2, y_label, tick_font)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _vertical_text(
    image: Image, right: float, middle: float, text: str, font: FreeTypeFont
) -> None:
    """``text`` read bottom to top, its right edge (the top of the letters) at ``right``."""
    from PIL import Image, ImageDraw

    ascent, descent = font.getmetrics()
    label = Image.new("L", (round(font.getlength(text)) + 4, ascent + descent), 0)
    ImageDraw.Draw(label).text((2, ascent), text, 255, font, "ls")
    label = label.rotate(90, expand=True)
    box = (round(right - label.width), round(middle - label.height / 2))
    image.paste(INK, box, label)
