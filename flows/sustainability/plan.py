"""The plan as the user gets it: the chat summary and an editable DOCX with every section."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flows.dates import show_date
from flows.engine import FileSpec
from flows.sustainability.content import PlanContent
from flows.sustainability.scoring import band, criterion_scores, gaps, question_step
from knowledge.texts import Catalogue

BAND_MARKERS = {"strong": "🟢", "work": "🟡", "weak": "🔴"}


class PlanReport:
    """Texts and the DOCX of one plan in one language.

    ``answers`` are the flow's answers with absolute dates: ``a:<aspect>:when`` as ISO dates.
    """

    def __init__(
        self,
        texts: Catalogue,
        content: PlanContent,
        answers: Mapping[str, Any],
        *,
        project: str,
        when: date,
        lang: str,
        reviews: Sequence[date] = (),
        changed: Mapping[str, str] | None = None,
    ) -> None:
        """``changed``: on a shared project, who last changed each part ("Anna, 01.12.2026")."""
        self.changed = dict(changed or {})
        self.texts = texts
        self.content = content
        self.answers = answers
        self.project = project
        self.when = when
        self.lang = lang
        self.reviews = reviews

    def t(self, key: str, **values: object) -> str:
        return self.texts.text(key, self.lang, **values)

    def _value(self, key: str) -> str:
        value = self.answers.get(key)
        return str(value) if value else self.t("sustainability.result.not_set")

    def action(self, aspect_id: str) -> dict[str, str]:
        """One aspect's action as display strings."""
        aspect = self.content.aspect(aspect_id)
        main = self.answers.get(f"a:{aspect_id}:main")
        option = aspect.option(str(main)) if main else None
        when = self.answers.get(f"a:{aspect_id}:when")
        status = self.answers.get(f"s:{aspect_id}")
        return {
            "aspect": aspect.name.get(self.lang),
            "main": option.get(self.lang) if option else self._value(f"a:{aspect_id}:main"),
            "what": self._value(f"a:{aspect_id}:what"),
            "who": self._value(f"a:{aspect_id}:who"),
            "when": show_date(date.fromisoformat(when)) if when else self._value(""),
            "measure": self._value(f"a:{aspect_id}:measure"),
            "status": self.t(f"sustainability.status.{status}") if status else "",
        }

    # ---- chat --------------------------------------------------------------------------
    def actions_message(self) -> str:
        parts = [self.t("sustainability.result.heading", project=self.project)]
        for aspect in self.content.aspects:
            values = self.action(aspect.id)
            text = self.t("sustainability.result.action", **values)
            if values["status"]:
                text += "\n" + self.t("sustainability.result.status_line", status=values["status"])
            if aspect.id in self.changed:
                text += "\n" + self.t(
                    "sustainability.result.changed_by", who=self.changed[aspect.id]
                )
            parts.append(text)
        return "\n\n".join(parts)

    def check_message(self) -> str:
        lines = [self.t("sustainability.result.check_heading")]
        for criterion, score in criterion_scores(self.content, self.answers).items():
            name = next(c.name for c in self.content.criteria if c.id == criterion)
            if score is None:
                continue
            marker = BAND_MARKERS[band(score)]
            lines.append(
                self.t(
                    "sustainability.result.check_line",
                    marker=marker,
                    criterion=name.get(self.lang),
                    score=score,
                )
            )
        found = gaps(self.content, self.answers)
        lines.append("")
        if not found:
            lines.append(self.t("sustainability.result.no_gaps"))
        else:
            lines.append(self.t("sustainability.result.gaps_heading"))
            for question, answer in found:
                lines.append(
                    self.t(
                        "sustainability.result.gap",
                        marker="❌" if answer == "no" else "⚠️",
                        question=question.text.get(self.lang),
                        advice=question.advice.get(self.lang),
                    )
                )
        return "\n".join(lines)

    def mandatory_message(self) -> str:
        points = [f"• {m.get(self.lang)}" for m in self.content.mandatory]
        return "\n".join([self.t("sustainability.result.mandatory_heading"), *points])

    def summary(self, notes: Sequence[str] = ()) -> str:
        """The plan on a phone: one line an action, the self-check in one line, ``notes``."""
        lines = [self.t("sustainability.result.heading", project=self.project)]
        for aspect in self.content.aspects:
            values = self.action(aspect.id)
            line = self.t("sustainability.result.summary_line", **values)
            if values["status"]:  # a progress review: the status's symbol for the bullet
                line = values["status"].split(" ")[0] + line[1:]
            lines.append(line)
        names = {c.id: c.name.get(self.lang) for c in self.content.criteria}
        scores = [
            f"{BAND_MARKERS[band(score)]} {names[criterion]} {score}%"
            for criterion, score in criterion_scores(self.content, self.answers).items()
            if score is not None
        ]
        if scores:
            lines += ["", self.t("sustainability.result.check_summary", scores=" · ".join(scores))]
        if gaps(self.content, self.answers):
            lines.append(self.t("sustainability.result.gaps_hint"))
        for note in notes:
            lines += ["", note]
        return "\n".join(lines)

    def messages(self) -> tuple[str, ...]:
        return (self.actions_message(), self.check_message(), self.mandatory_message())

    # ---- document ----------------------------------------------------------------------
    def document(self) -> FileSpec:
        name = f"{self.t('sustainability.result.file')}-{self.when.isoformat()}.docx"
        caption = self.t("sustainability.result.doc_caption")
        return FileSpec(name, self.document_bytes, caption=caption)

    def document_bytes(self) -> bytes:
        from docx import Document

        doc = Document()
        doc.add_heading(f"{self.t('sustainability.title')} — {self.project}", level=1)
        doc.add_paragraph(
            self.t("sustainability.doc.project", project=self.project, date=show_date(self.when))
        )
        doc.add_heading(self.t("sustainability.doc.actions"), level=2)
        columns = self.t("sustainability.doc.columns").split("|")
        table = doc.add_table(rows=1, cols=len(columns))
        table.style = "Table Grid"
        for cell, title in zip(table.rows[0].cells, columns, strict=True):
            cell.text = title
        for aspect in self.content.aspects:
            values = self.action(aspect.id)
            row = table.add_row().cells
            for cell, key in zip(
                row, ("aspect", "main", "what", "who", "when", "measure", "status"), strict=True
            ):
                cell.text = values[key]
        doc.add_heading(self.t("sustainability.doc.check"), level=2)
        for line in self.check_message().split("\n")[1:]:
            if line.strip():
                doc.add_paragraph(line.strip())
        check = doc.add_table(rows=1, cols=3)
        check.style = "Table Grid"
        for cell, title in zip(
            check.rows[0].cells, self.t("sustainability.doc.check_columns").split("|"), strict=True
        ):
            cell.text = title
        for criterion in self.content.criteria:
            for question in criterion.questions:
                answer = self.answers.get(question_step(question.id))
                row = check.add_row().cells
                row[0].text = criterion.name.get(self.lang)
                row[1].text = question.text.get(self.lang)
                row[2].text = self.t(f"sustainability.answer.{answer}") if answer else "—"
        doc.add_heading(self.t("sustainability.doc.mandatory"), level=2)
        for point in self.content.mandatory:
            doc.add_paragraph(point.get(self.lang), style="List Bullet")
        if self.reviews:
            doc.add_heading(self.t("sustainability.doc.follow_up"), level=2)
            for day in self.reviews:
                doc.add_paragraph(show_date(day), style="List Bullet")
        buffer = io.BytesIO()
        doc.save(buffer)
        return buffer.getvalue()
