"""The risk register as the user gets it: chat messages, a heat map, and XLSX and CSV files."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from flows.dates import show_date
from flows.engine import OutFile
from flows.risks.content import RiskContent
from flows.risks.scoring import Risk, level_of, status_counts, status_step
from knowledge.texts import Catalogue

if TYPE_CHECKING:
    from matplotlib.patches import Rectangle

MARKERS = {"low": "🟢", "medium": "🟡", "high": "🔴"}
LEVEL_COLOURS = {"low": "#9ae6b4", "medium": "#faf089", "high": "#feb2b2"}
IN_CHAT = 8  # risks listed in the chat message; the files have all of them


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
    ) -> None:
        self.texts = texts
        self.content = content
        self.risks = risks
        self.answers = answers
        self.project = project
        self.when = when
        self.lang = lang

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

    def top_risks(self) -> str:
        if not self.risks:
            return self.t("risks.result.none")
        parts = [self.t("risks.result.top")]
        for index, risk in enumerate(self.risks[:IN_CHAT], start=1):
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
            parts.append(line + ("\n" + " · ".join(extra) if extra else ""))
        if len(self.risks) > IN_CHAT:
            parts.append(self.t("risks.result.more", count=len(self.risks) - IN_CHAT))
        return "\n\n".join(parts)

    # ---- heat map ----------------------------------------------------------------------
    def heatmap(self) -> OutFile:
        from matplotlib.figure import Figure  # a bare Figure draws on the Agg canvas

        figure = Figure(figsize=(6.4, 6.0), dpi=110, layout="constrained")
        axes = figure.subplots()
        cells: dict[tuple[int, int], list[str]] = {}
        for index, risk in enumerate(self.risks, start=1):
            cells.setdefault((risk.likelihood, risk.impact), []).append(str(index))
        for likelihood in range(1, 6):
            for impact in range(1, 6):
                level = level_of(likelihood * impact)
                axes.add_patch(_rectangle(likelihood - 0.5, impact - 0.5, LEVEL_COLOURS[level]))
                numbers = cells.get((likelihood, impact))
                if numbers:
                    axes.text(
                        likelihood,
                        impact,
                        "\n".join(_wrap(numbers)),
                        ha="center",
                        va="center",
                        fontsize=11,
                        fontweight="bold",
                        color="#1a202c",
                    )
        axes.set_xlim(0.5, 5.5)
        axes.set_ylim(0.5, 5.5)
        axes.set_xticks(range(1, 6))
        axes.set_yticks(range(1, 6))
        axes.set_xlabel(self.t("risks.heatmap.likelihood"))
        axes.set_ylabel(self.t("risks.heatmap.impact"))
        axes.set_title(self.t("risks.heatmap.title", project=self.project), fontsize=12)
        axes.set_aspect("equal")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        caption = self.t("risks.result.heatmap_caption", count=len(self.risks))
        name = f"{self.t('risks.sheet.file')}-{self.when.isoformat()}.png"
        return OutFile(name, buffer.getvalue(), caption=caption, is_image=True)

    # ---- files -------------------------------------------------------------------------
    def rows(self) -> list[list[object]]:
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
                    self._date(risk.review),
                ]
            )
        return rows

    def columns(self) -> list[str]:
        return self.t("risks.sheet.columns").split("|")

    def csv_file(self) -> OutFile:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self.columns())
        writer.writerows(self.rows())
        data = buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read the diacritics
        name = f"{self.t('risks.sheet.file')}-{self.when.isoformat()}.csv"
        return OutFile(name, data, caption=self.t("risks.result.files_caption"))

    def xlsx_file(self) -> OutFile:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        book = Workbook()
        sheet = book.active
        sheet.title = self.t("risks.sheet.register")[:31]
        sheet.append(self.columns())
        for row, risk in zip(self.rows(), self.risks, strict=True):
            sheet.append(row)
            fill = PatternFill("solid", fgColor=LEVEL_COLOURS[risk.level].lstrip("#"))
            sheet.cell(row=sheet.max_row, column=7).fill = fill
        widths = (5, 18, 45, 12, 12, 10, 10, 10, 14, 60, 18, 12)
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[chr(64 + column)].width = width
        for cells in sheet.iter_rows(min_row=1):
            for cell in cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        checklist = book.create_sheet(self.t("risks.sheet.checklist")[:31])
        checklist.append(self.t("risks.sheet.checklist_columns").split("|"))
        for item in self.content.items:
            status = self.answers.get(status_step(item.id))
            shown = self.t(f"risks.status.{status}") if status else ""
            checklist.append([self.group_name(item.group), item.check.get(self.lang), shown])
        for column, width in zip("ABC", (18, 80, 14), strict=True):
            checklist.column_dimensions[column].width = width
        buffer = io.BytesIO()
        book.save(buffer)
        name = f"{self.t('risks.sheet.file')}-{self.when.isoformat()}.xlsx"
        return OutFile(name, buffer.getvalue(), caption=self.t("risks.result.files_caption"))


def _rectangle(x: float, y: float, colour: str) -> Rectangle:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), 1, 1, facecolor=colour, edgecolor="white", linewidth=2)


def _wrap(numbers: list[str], per_line: int = 4) -> list[str]:
    return [", ".join(numbers[i : i + per_line]) for i in range(0, len(numbers), per_line)]
