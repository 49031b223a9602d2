"""The risk checklist flow: each item ✅/⚠️/❌/n-a; for ⚠️ and ❌ likelihood, impact, a response,
an owner and a review date. The result is a register in chat, a heat map, XLSX and CSV, and a
reminder on each review date. Works on the user's active project; one item can be changed later."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any

from flows.dates import add_months, add_weeks, local_date, local_today, parse_date, show_date
from flows.engine import (
    EDIT,
    Completion,
    FlowState,
    Landing,
    Option,
    Record,
    ReminderSpec,
    Step,
)
from flows.project_tool import ProjectTool
from flows.risks.content import GROUPS, RESPONSES, RiskContent, RiskItem, default_risk_content
from flows.risks.register import RegisterReport
from flows.risks.scoring import FLAGGED, SCALE, STATUSES, register, status_step
from flows.texts import load_flow_texts
from knowledge.texts import Localized

PICK = "pick"  # the edit mode's group question; "pick:<group>" asks the item
RELATIVE_DATES = {
    "2w": lambda d: add_weeks(d, 2),
    "1m": lambda d: add_months(d, 1),
    "3m": lambda d: add_months(d, 3),
}
OWNER_LIMIT = 80


def _picked_group(group: str, answers: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """In an edit, the item list of the group the user picked."""
    return bool(context.get(EDIT)) and answers.get(PICK) == group


def _flagged(answers: Mapping[str, Any], item_id: str) -> bool:
    return answers.get(status_step(item_id)) in FLAGGED


class RiskFlow(ProjectTool):
    """The PM²-style risk checklist for the active project."""

    id = "risks"

    def __init__(
        self, content: RiskContent | None = None, clock: Callable[[], date] = local_today
    ) -> None:
        self.texts = load_flow_texts("risks")
        self.title = self.texts.localized("risks.title")
        self.content = content or default_risk_content()
        self._clock = clock
        self._steps = self._build_steps()

    # ---- steps -------------------------------------------------------------------------
    def _build_steps(self) -> tuple[Step, ...]:
        t = self.texts.localized
        steps: list[Step] = [
            Step(
                PICK,
                t("risks.edit.pick_group"),
                options=tuple(Option(g, self.content.groups[g]) for g in GROUPS),
                applies=lambda a, c: bool(c.get(EDIT)),
                group="",
            )
        ]
        for group in GROUPS:
            items = self.content.in_group(group)
            listing = {
                lang: "\n".join(f"{n}. {i.check.get(lang)}" for n, i in enumerate(items, 1))
                for lang in ("lv", "en")
            }
            steps.append(
                Step(
                    f"{PICK}:{group}",
                    self.texts.filled("risks.edit.pick_item", items=listing.get),
                    options=tuple(
                        Option(i.id, Localized(str(n), str(n))) for n, i in enumerate(items, 1)
                    ),
                    columns=6,
                    applies=partial(_picked_group, group),
                    group="",
                )
            )
        for item in self.content.items:
            steps.extend(self._item_steps(item))
        return tuple(steps)

    def _item_steps(self, item: RiskItem) -> list[Step]:
        t = self.texts.localized
        group = self.content.groups[item.group]

        def asked(
            answers: Mapping[str, Any], context: Mapping[str, Any], item_id: str = item.id
        ) -> bool:
            if not context.get(EDIT):
                return True
            picked = answers.get(f"{PICK}:{answers.get(PICK)}")
            return picked == item_id

        def risky(
            answers: Mapping[str, Any], context: Mapping[str, Any], item_id: str = item.id
        ) -> bool:
            return asked(answers, context) and _flagged(answers, item_id)

        risk = item.risk.get
        scale = tuple(Option(v, Localized(v, v)) for v in SCALE)
        suggested = {
            lang: self.texts.text(f"risks.response.{item.response}", lang).lower()
            for lang in ("lv", "en")
        }
        risky_step = partial(Step, applies=risky, group=item.id)
        return [
            Step(
                status_step(item.id),
                self.texts.filled("risks.status.question", group=group.get, check=item.shown),
                options=tuple(Option(s, t(f"risks.status.{s}")) for s in STATUSES),
                columns=2,
                applies=asked,
                group=item.id,
            ),
            risky_step(
                f"l:{item.id}",
                self.texts.filled("risks.likelihood.question", risk=risk),
                options=scale,
                columns=5,
            ),
            risky_step(
                f"i:{item.id}",
                self.texts.filled("risks.impact.question", risk=risk),
                options=scale,
                columns=5,
            ),
            risky_step(
                f"r:{item.id}",
                self.texts.filled(
                    "risks.response.question",
                    risk=risk,
                    mitigation=item.mitigation.get,
                    suggested=suggested.get,
                ),
                options=tuple(Option(r, t(f"risks.response.{r}")) for r in RESPONSES),
                columns=2,
                skippable=True,
            ),
            risky_step(
                f"o:{item.id}",
                t("risks.owner.question"),
                free_text=True,
                skippable=True,
                max_length=OWNER_LIMIT,
            ),
            risky_step(
                f"d:{item.id}",
                t("risks.review.question"),
                options=tuple(Option(k, t(f"risks.review.{k}")) for k in RELATIVE_DATES),
                columns=3,
                free_text=True,
                skippable=True,
            ),
        ]

    def warm_up(self) -> None:
        import openpyxl  # noqa: F401
        from PIL import ImageDraw, ImageFont, PngImagePlugin  # noqa: F401

    def steps(self) -> Sequence[Step]:
        return self._steps

    def validate_text(
        self, step: Step, text: str, answers: Mapping[str, Any], lang: str
    ) -> str | None:
        if not step.id.startswith("d:"):
            return None
        day = parse_date(text)
        if day is None:
            return self.texts.text("risks.review.bad_date", lang)
        if day < self._clock():
            return self.texts.text("risks.review.past", lang)
        return None

    # ---- results -----------------------------------------------------------------------
    def _reviews(self, answers: Mapping[str, Any]) -> dict[str, str]:
        """Review dates as ISO dates (relative choices counted from today)."""
        today = self._clock()
        reviews = {}
        for item in self.content.items:
            value = answers.get(f"d:{item.id}")
            if not value or not _flagged(answers, item.id):
                continue
            day = RELATIVE_DATES[value](today) if value in RELATIVE_DATES else parse_date(value)
            if day is not None:
                reviews[item.id] = day.isoformat()
        return reviews

    def _report(
        self,
        answers: Mapping[str, Any],
        reviews: Mapping[str, str],
        project: Mapping[str, Any],
        when: date,
        lang: str,
    ) -> RegisterReport:
        return RegisterReport(
            self.texts,
            self.content,
            register(self.content.items, answers, reviews),
            answers,
            project=str(project.get("name", "")),
            when=when,
            lang=lang,
        )

    def complete(self, state: FlowState, lang: str) -> Completion:
        today = self._clock()
        reviews = self._reviews(state.answers)
        # Keep the answers with absolute review dates, so a later edit keeps them as they are.
        kept = {k: v for k, v in state.answers.items() if not k.startswith(PICK)}
        kept.update(
            {f"d:{item_id}": show_date(date.fromisoformat(iso)) for item_id, iso in reviews.items()}
        )
        project = self.project_of(state.context)
        report = self._report(kept, reviews, project, today, lang)
        reminders = tuple(
            ReminderSpec(
                key=risk.item.id,
                due_on=date.fromisoformat(risk.review),
                text=self.texts.filled(
                    "risks.result.reminder_text",
                    risk=risk.item.risk.get,
                    project=lambda _lang: str(project.get("name", "")),
                ),
            )
            for risk in report.risks
            if risk.review and date.fromisoformat(risk.review) >= today
        )
        messages = [report.summary(), report.top_risks()]
        if reminders:
            messages.append(self.texts.text("risks.result.reminders", lang, count=len(reminders)))
        files = [report.heatmap()] if report.risks else []
        files += [report.xlsx_file(), report.csv_file()]
        record = self.record(
            kept,
            state.context,
            date=today.isoformat(),
            reviews=reviews,
            risks=[{"item": r.item.id, "score": r.score, "level": r.level} for r in report.risks],
        )
        return Completion(
            messages=tuple(messages), files=tuple(files), record=record, reminders=reminders
        )

    def _last_report(self, last: Record, lang: str) -> RegisterReport:
        stored = last.data.get("reviews")
        answers = self.last_answers(last)
        reviews = dict(stored) if isinstance(stored, Mapping) and stored else {}
        when = local_date(last.created_at)
        project = self.last_project(last)
        return self._report(answers, reviews or self._reviews(answers), project, when, lang)

    def landing(self, last: Record, lang: str) -> Landing:
        report = self._last_report(last, lang)
        actions = (
            ("edit", self.texts.text("risks.landing.edit", lang)),
            ("new", self.texts.text("risks.landing.new", lang)),
            ("files", self.texts.text("risks.landing.files", lang)),
        )
        files = (report.heatmap(),) if report.risks else ()
        return Landing(
            messages=(report.summary(), report.top_risks()), files=files, actions=actions
        )

    def act(self, arg: str, last: Record, lang: str) -> Completion | None:
        if arg != "files":
            return None
        report = self._last_report(last, lang)
        return Completion(files=(report.xlsx_file(), report.csv_file()))
