"""The risk checklist flow: each item ✅/⚠️/❌/n-a; for ⚠️ and ❌ likelihood, impact, a response,
an owner and a review date. The result is a register in chat, a heat map, XLSX and CSV, and a
reminder on each review date. Works on the user's active project; one item can be changed later."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from flows.dates import add_months, add_weeks, local_date, local_today, parse_date, show_date
from flows.engine import (
    DEFAULTS,
    EDIT,
    Completion,
    Detail,
    FlowState,
    Landing,
    Option,
    Record,
    ReminderSpec,
    Step,
)
from flows.project_tool import FOCUS, LINK, PERSON, ProjectTool
from flows.risks.content import GROUPS, RESPONSES, RiskContent, RiskItem, default_risk_content
from flows.risks.register import MARKERS, RegisterReport
from flows.risks.scoring import FLAGGED, SCALE, STATUSES, register, status_step
from flows.texts import constant, load_flow_texts
from knowledge.texts import Localized

PICK = "pick"  # the edit mode's group question; "pick:<group>" asks the item
REST = "rest"  # a status answer: this item and the rest of its group are in place
PLAN_OK, PLAN_RESPONSE, PLAN_DATE = "ok", "r", "d"  # the plan step's buttons (text: the owner)
RELATIVE_DATES = {
    "2w": lambda d: add_weeks(d, 2),
    "1m": lambda d: add_months(d, 1),
    "3m": lambda d: add_months(d, 3),
}
DEFAULT_REVIEW = "1m"  # the first flagged item's review date, when none was used before
OWNER_LIMIT = 80
# Likelihood × impact in one tap: "LI" (likelihood first), rows from likelihood 5 down to 1.
GRID = tuple(f"{lik}{imp}" for lik in reversed(SCALE) for imp in SCALE)


def _picked_group(group: str, answers: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """In an edit, the item list of the group the user picked."""
    return bool(context.get(EDIT)) and answers.get(PICK) == group


def _user_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _flagged(answers: Mapping[str, Any], item_id: str) -> bool:
    return answers.get(status_step(item_id)) in FLAGGED


@dataclass(frozen=True)
class Settled:
    """One flagged item's plan as it stands: the answer given, or the default. ``owner_id``:
    the owner is a member of the project's team (their reminders go to them)."""

    response: str
    owner: str | None
    review: date
    owner_id: int | None = None


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

    def reminder_subject(self, key: str, lang: str) -> str | None:
        """A review reminder's key is the risk item's id: the risk it names."""
        item = self.content.item(key)
        return item.risk.get(lang) if item is not None else None

    # ---- steps -------------------------------------------------------------------------
    def _build_steps(self) -> tuple[Step, ...]:
        t = self.texts.localized
        steps: list[Step] = [
            Step(
                PICK,
                t("risks.edit.pick_group"),
                options=tuple(Option(g, self.content.groups[g]) for g in GROUPS),
                applies=lambda a, c: bool(c.get(EDIT)) and not c.get(FOCUS),
                group="",
            )
        ]
        outside = t("risks.edit.not_from_seed")  # after an item the e-material does not hold
        for group in GROUPS:
            items = self.content.in_group(group)
            listing = {
                lang: "\n".join(
                    f"{n}. {i.check.get(lang)}" + (f" {outside.get(lang)}" if i.note else "")
                    for n, i in enumerate(items, 1)
                )
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

    def _closed_by_rest(self, item: RiskItem, answers: Mapping[str, Any]) -> bool:
        """An earlier item of the same group was answered "the rest are in place"."""
        for other in self.content.in_group(item.group):
            if other.id == item.id:
                return False
            if answers.get(status_step(other.id)) == REST:
                return True
        return False

    def _item_steps(self, item: RiskItem) -> list[Step]:
        t = self.texts.localized
        group = self.content.groups[item.group]
        last_in_group = self.content.in_group(item.group)[-1].id == item.id

        def asked(
            answers: Mapping[str, Any], context: Mapping[str, Any], item: RiskItem = item
        ) -> bool:
            if not context.get(EDIT):
                return not self._closed_by_rest(item, answers)
            picked = context.get(FOCUS) or answers.get(f"{PICK}:{answers.get(PICK)}")
            return picked == item.id

        def risky(
            answers: Mapping[str, Any], context: Mapping[str, Any], item_id: str = item.id
        ) -> bool:
            return asked(answers, context) and _flagged(answers, item_id)

        def planned(
            choices: tuple[str, ...], answers: Mapping[str, Any], context: Mapping[str, Any]
        ) -> bool:
            return risky(answers, context) and answers.get(f"p:{item.id}") in choices

        statuses = [Option(s, t(f"risks.status.{s}")) for s in STATUSES]
        if not last_in_group:
            statuses.append(Option(REST, t("risks.status.rest")))
        return [
            Step(
                status_step(item.id),
                self.texts.filled("risks.status.question", group=group.get, check=item.shown),
                options=tuple(statuses),
                columns=2,
                applies=asked,
                group=item.id,
            ),
            Step(
                f"li:{item.id}",
                t("risks.rating.question"),
                options=tuple(
                    Option(v, Localized(f"{v[0]}·{v[1]}", f"{v[0]}·{v[1]}")) for v in GRID
                ),
                columns=5,
                applies=risky,
                group=item.id,
                describe=partial(self._describe_rating, item),
            ),
            Step(
                f"p:{item.id}",
                t("risks.plan.question"),
                options=(
                    Option(PLAN_OK, t("risks.plan.ok")),
                    Option(PLAN_RESPONSE, t("risks.plan.response")),
                    Option(PLAN_DATE, t("risks.plan.date")),
                ),
                columns=1,
                free_text=True,
                max_length=OWNER_LIMIT,
                applies=risky,
                group=item.id,
                describe=partial(self._describe_plan, item),
            ),
            Step(
                f"r:{item.id}",
                t("risks.response.question"),
                options=tuple(Option(r, t(f"risks.response.{r}")) for r in RESPONSES),
                columns=2,
                applies=partial(planned, (PLAN_RESPONSE,)),
                group=item.id,
                describe=partial(self._describe_response, item),
            ),
            Step(
                f"d:{item.id}",
                t("risks.review.question"),
                options=tuple(Option(k, t(f"risks.review.{k}")) for k in RELATIVE_DATES),
                columns=3,
                free_text=True,
                applies=partial(planned, (PLAN_RESPONSE, PLAN_DATE)),
                group=item.id,
            ),
            Step(
                f"o:{item.id}",
                t("risks.owner.question"),
                free_text=True,
                skippable=True,
                max_length=OWNER_LIMIT,
                applies=partial(planned, (PLAN_RESPONSE, PLAN_DATE)),
                group=item.id,
            ),
        ]

    def _describe_rating(
        self, item: RiskItem, answers: Mapping[str, Any], context: Mapping[str, Any], lang: str
    ) -> str:
        return self.texts.text(
            "risks.rating.question",
            lang,
            risk=item.risk.get(lang),
            typical=f"{item.likelihood}·{item.impact}",
        )

    def _describe_response(
        self, item: RiskItem, answers: Mapping[str, Any], context: Mapping[str, Any], lang: str
    ) -> str:
        return self.texts.text(
            "risks.response.question",
            lang,
            risk=item.risk.get(lang),
            mitigation=item.mitigation.get(lang),
            suggested=self.texts.text(f"risks.response.{item.response}", lang).lower(),
        )

    def _describe_plan(
        self, item: RiskItem, answers: Mapping[str, Any], context: Mapping[str, Any], lang: str
    ) -> str:
        plan = self._settle(answers, context).get(item.id)
        assert plan is not None
        question = self.texts.text(
            "risks.plan.question",
            lang,
            risk=item.risk.get(lang),
            mitigation=item.mitigation.get(lang),
            response=self.texts.text(f"risks.response.{plan.response}", lang),
            owner=plan.owner or self.texts.text("risks.plan.no_owner", lang),
            date=show_date(plan.review),
        )
        if not self.member_options(context):
            return question
        return f"{question}\n{self.texts.text('risks.plan.pick_member', lang)}"

    def warm_up(self) -> None:
        import openpyxl  # noqa: F401
        from PIL import ImageDraw, ImageFont, PngImagePlugin  # noqa: F401

    def steps(self) -> Sequence[Step]:
        return self._steps

    def options(
        self, step: Step, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> tuple[Option, ...]:
        """The plan and owner steps also offer the team's members as owners."""
        if step.id.startswith(("p:", "o:")):
            return step.options + self.member_options(context)
        return step.options

    def default(self, step: Step, answers: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
        """Likelihood × impact kept as two answers in a register is offered as one choice; the
        review date and owner offer what the plan step showed (a member as their button)."""
        kind = step.id.split(":", 1)[0]
        if kind == "o":
            plan = self._settle(answers, context).get(step.id[2:])
            if plan is not None and plan.owner_id is not None:
                return f"{PERSON}{plan.owner_id}"
        if kind in ("d", "o") and answers.get(step.id) in (None, ""):
            plan = self._settle(answers, context).get(step.id[2:])
            if plan is not None:
                return show_date(plan.review) if kind == "d" else plan.owner
        if kind != "li":
            return super().default(step, answers, context)
        item_id = step.id[3:]
        earlier = context.get(DEFAULTS)
        for source in (answers if context.get(EDIT) else {}, earlier):
            if isinstance(source, Mapping):
                pair = f"{source.get(f'l:{item_id}')}{source.get(f'i:{item_id}')}"
                for value in (source.get(step.id), pair):
                    if value in GRID:
                        return value
        return None

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

    # ---- items ------------------------------------------------------------------------
    def has_item(self, item: str) -> bool:
        return any(i.id == item for i in self.content.items)

    def item_label(self, item: str, lang: str) -> str:
        found = next((i for i in self.content.items if i.id == item), None)
        return found.check.get(lang) if found is not None else item

    def item_value(self, answers: Mapping[str, Any], item: str, lang: str) -> str:
        """The status, and for a risk its likelihood × impact and owner."""
        status = answers.get(status_step(item))
        if status not in STATUSES:
            return "—"
        shown = self.texts.text(f"risks.status.{status}", lang)
        if status in FLAGGED:
            shown += f" · {answers.get(f'l:{item}', '?')}×{answers.get(f'i:{item}', '?')}"
            owner = answers.get(f"o:{item}")
            if owner:
                shown += " · " + self.texts.text("risks.result.owner", lang, owner=owner)
        return shown

    # ---- settling the answers ----------------------------------------------------------
    def _review_day(self, value: Any) -> date | None:
        if not value:
            return None
        if value in RELATIVE_DATES:
            return RELATIVE_DATES[value](self._clock())
        return parse_date(str(value))

    def _settle(self, answers: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Settled]:
        """Each flagged item's response, owner and review date: what the user gave, else the
        last owner and date used (earlier in this run), else the suggested response, the
        owner of the last register and a review in a month."""
        earlier = context.get(DEFAULTS)
        before = earlier if isinstance(earlier, Mapping) else {}
        owner: tuple[str, int | None] | None = None
        review: date | None = None
        settled: dict[str, Settled] = {}
        for item in self.content.items:
            if not _flagged(answers, item.id):
                continue
            response = answers.get(f"r:{item.id}")
            if response not in RESPONSES:
                response = item.response
            plan = answers.get(f"p:{item.id}")
            typed = plan if plan and plan not in (PLAN_OK, PLAN_RESPONSE, PLAN_DATE) else None
            owner = (
                self.person(typed, None, context)
                or self.person(
                    answers.get(f"o:{item.id}"), answers.get(f"o:{item.id}{LINK}"), context
                )
                or owner
                or self.person(
                    before.get(f"o:{item.id}"), before.get(f"o:{item.id}{LINK}"), context
                )
            )
            review = self._review_day(answers.get(f"d:{item.id}")) or review
            if review is None:
                review = self._review_day(DEFAULT_REVIEW)
            assert review is not None
            name, owner_id = owner if owner is not None else (None, None)
            settled[item.id] = Settled(str(response), name or None, review, owner_id)
        return settled

    def settled_answers(
        self, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The answers as a register keeps them: every status (items closed by "the rest are
        in place" are ✅), likelihood and impact apart, and each risk's response, owner and
        absolute review date."""
        kept: dict[str, Any] = {}
        for group in GROUPS:
            closed = False
            for item in self.content.in_group(group):
                status = answers.get(status_step(item.id))
                if closed or status == REST:
                    closed = True
                    status = "ok"
                if status is not None:
                    kept[status_step(item.id)] = status
        for key, value in answers.items():
            kind = key.split(":", 1)[0]
            if kind in ("l", "i") and value in SCALE:
                kept[key] = value
            elif kind == "li" and value in GRID:
                item_id = key[3:]
                kept[f"l:{item_id}"], kept[f"i:{item_id}"] = value[0], value[1]
        for item_id, plan in self._settle(answers, context).items():
            kept[f"r:{item_id}"] = plan.response
            if plan.owner:
                kept[f"o:{item_id}"] = plan.owner
            if plan.owner_id is not None:
                kept[f"o:{item_id}{LINK}"] = plan.owner_id
            kept[f"d:{item_id}"] = show_date(plan.review)
        return kept

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
        shown: Mapping[str, Any],
    ) -> RegisterReport:
        """The register; ``shown`` (a run's context or a record's ``shown``) may say who on a
        shared project changed what."""
        changed, activity = self.team_of(shown)
        return RegisterReport(
            self.texts,
            self.content,
            register(self.content.items, answers, reviews),
            answers,
            project=str(project.get("name", "")),
            when=when,
            lang=lang,
            changed=changed,
            activity=activity,
        )

    def complete(self, state: FlowState, lang: str) -> Completion:
        today = self._clock()
        # Kept settled (absolute review dates, defaults filled in), so a later edit keeps them.
        kept = self.settled_answers(state.answers, state.context)
        reviews = self._reviews(kept)
        project = self.project_of(state.context)
        report = self._report(kept, reviews, project, today, lang, state.context)
        reminders = tuple(
            ReminderSpec(
                key=risk.item.id,
                due_on=date.fromisoformat(risk.review),
                text=self.texts.filled(
                    "risks.result.reminder_text",
                    risk=risk.item.risk.get,
                    project=lambda _lang: str(project.get("name", "")),
                ),
                to=_user_id(kept.get(f"o:{risk.item.id}{LINK}")),
                line=self.texts.filled(
                    "risks.result.digest_line_owner" if risk.owner else "risks.result.digest_line",
                    risk=risk.item.risk.get,
                    owner=constant(risk.owner or ""),
                ),
            )
            for risk in report.risks
            if risk.review and date.fromisoformat(risk.review) >= today
        )
        files = [report.heatmap()] if report.risks else []
        files += [report.xlsx_file(), report.csv_file()]
        changed = self.changed_keys(kept, state.context)
        if changed is None:
            messages = [report.short_summary(len(reminders))]
        else:  # an edit: only what changed, and the new register
            messages = [self._changes(kept, state.context, changed, report, lang)]
            files = files[-2:]
        record = self.record(
            kept,
            state.context,
            date=today.isoformat(),
            reviews=reviews,
            risks=[{"item": r.item.id, "score": r.score, "level": r.level} for r in report.risks],
            reminders=len(reminders),
        )
        return Completion(
            messages=tuple(messages),
            files=tuple(files),
            record=record,
            reminders=reminders,
            details=True,
        )

    def _changes(
        self,
        kept: Mapping[str, Any],
        context: Mapping[str, Any],
        changed: Sequence[str],
        report: RegisterReport,
        lang: str,
    ) -> str:
        """The items whose answers changed in an edit, each with its new status and score."""
        items = {key.split(":", 1)[1] for key in changed if ":" in key}
        risks = {risk.item.id: risk for risk in report.risks}
        lines = [
            self.texts.text(
                "risks.result.changed", lang, project=self.project_of(context).get("name", "")
            )
        ]
        for item in self.content.items:
            if item.id not in items:
                continue
            status = self.texts.text(f"risks.status.{kept.get(status_step(item.id))}", lang)
            risk = risks.get(item.id)
            if risk is not None:
                status += f" · {MARKERS[risk.level]} {risk.score}"
                if risk.review:
                    review = show_date(date.fromisoformat(risk.review))
                    status += " · " + self.texts.text("risks.result.review", lang, date=review)
            lines.append(
                self.texts.text(
                    "risks.result.changed_line", lang, check=item.check.get(lang), status=status
                )
            )
        if len(lines) == 1:
            lines.append(self.texts.text("risks.result.unchanged", lang))
        return "\n".join(lines)

    def _last_report(self, last: Record, lang: str) -> RegisterReport:
        stored = last.data.get("reviews")
        answers = self.last_answers(last)
        reviews = dict(stored) if isinstance(stored, Mapping) and stored else {}
        when = local_date(last.created_at)
        project = self.last_project(last)
        return self._report(
            answers, reviews or self._reviews(answers), project, when, lang, last.shown
        )

    def landing(self, last: Record, lang: str) -> Landing:
        report = self._last_report(last, lang)
        actions = (
            ("edit", self.texts.text("risks.landing.edit", lang)),
            ("new", self.texts.text("risks.landing.new", lang)),
            ("files", self.texts.text("risks.landing.files", lang)),
        )
        files = (report.heatmap(),) if report.risks else ()
        return Landing(messages=(report.short_summary(),), files=files, actions=actions)

    def details(self, last: Record, lang: str) -> Sequence[Detail]:
        """The summary, then every risk by level (high first), a few risks a page."""
        report = self._last_report(last, lang)
        reminders = last.data.get("reminders")
        parts = [
            Detail(
                self.texts.text("risks.result.summary_button", lang),
                report.short_summary(reminders if isinstance(reminders, int) else 0),
            )
        ]
        for level in ("high", "medium", "low"):
            if any(r.level == level for r in report.risks):
                parts += [Detail(label, text) for label, text in report.level_pages(level)]
        return parts

    def act(
        self, arg: str, last: Record, lang: str, context: Mapping[str, Any] | None = None
    ) -> Completion | None:
        if arg != "files":
            return None
        report = self._last_report(last, lang)
        return Completion(files=(report.xlsx_file(), report.csv_file()))
