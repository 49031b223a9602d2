"""The sustainability plan flow: for each of the five aspects a main choice (suggestion buttons
or own text), what, who, by when and how success is measured; a yes/partly/no self-check against
the four quality criteria; review reminders after the project's end. Later: review progress
(a status per action), change one part, or start again. Works on the active project."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any

from flows.dates import add_months, local_date, local_today, parse_date, show_date
from flows.engine import (
    EDIT,
    Completion,
    Detail,
    FlowState,
    Landing,
    Option,
    Record,
    ReminderSpec,
    Start,
    Step,
    edit_start,
)
from flows.project_tool import ProjectTool
from flows.sustainability.content import Aspect, PlanContent, default_plan_content
from flows.sustainability.plan import PlanReport
from flows.sustainability.scoring import ANSWERS, criterion_scores, question_step
from flows.texts import constant, load_flow_texts

REVIEW = "review"  # context key: a progress review of the last plan
PICK = "pick"
# An answer kept with a plan made after the project's end: the day its "+N months" count from.
FROM = "_from"
WHEN = {"end": 0, "3m": 3, "6m": 6, "12m": 12}  # months after the project's end
FOLLOW = {"3-6-12": (3, 6, 12), "6-12": (6, 12), "none": ()}
STATUSES = ("done", "progress", "todo")


class SustainabilityFlow(ProjectTool):
    """The post-project sustainability plan for the active project."""

    id = "sustainability"

    def __init__(
        self, content: PlanContent | None = None, clock: Callable[[], date] = local_today
    ) -> None:
        self.texts = load_flow_texts("sustainability")
        self.title = self.texts.localized("sustainability.title")
        self.content = content or default_plan_content()
        self._clock = clock
        self._steps = self._build_steps()

    # ---- steps -------------------------------------------------------------------------
    @staticmethod
    def _planning(section: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], bool]:
        def applies(answers: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
            if context.get(REVIEW):
                return False
            return not context.get(EDIT) or answers.get(PICK) == section

        return applies

    def _build_steps(self) -> tuple[Step, ...]:
        t = self.texts.localized
        sections = [(a.id, a.name) for a in self.content.aspects]
        sections += [(c.id, c.name) for c in self.content.criteria]
        sections.append(("follow", t("sustainability.edit.follow")))
        steps = [
            Step(
                PICK,
                t("sustainability.edit.pick"),
                options=tuple(Option(sid, name) for sid, name in sections),
                columns=2,
                applies=lambda a, c: bool(c.get(EDIT)) and not c.get(REVIEW),
                group="",
            )
        ]
        for aspect in self.content.aspects:
            steps += self._aspect_steps(aspect)
        for criterion in self.content.criteria:
            for question in criterion.questions:
                steps.append(
                    Step(
                        question_step(question.id),
                        self.texts.filled(
                            "sustainability.ask.question",
                            criterion=criterion.name.get,
                            question=question.text.get,
                        ),
                        options=tuple(Option(a, t(f"sustainability.answer.{a}")) for a in ANSWERS),
                        columns=3,
                        applies=self._planning(criterion.id),
                        group=criterion.id,
                    )
                )
        steps.append(
            Step(
                "follow",
                t("sustainability.follow.question"),
                options=tuple(Option(f, t(f"sustainability.follow.{f}")) for f in FOLLOW),
                applies=self._planning("follow"),
                group="follow",
                describe=self._describe_follow,
            )
        )
        for aspect in self.content.aspects:
            steps.append(
                Step(
                    f"s:{aspect.id}",
                    aspect.name,
                    options=tuple(Option(s, t(f"sustainability.status.{s}")) for s in STATUSES),
                    skippable=True,
                    applies=lambda a, c: bool(c.get(REVIEW)),
                    group=f"s:{aspect.id}",
                    describe=partial(self._describe_status, aspect),
                )
            )
        return tuple(steps)

    def _aspect_steps(self, aspect: Aspect) -> list[Step]:
        t = self.texts.localized
        name = aspect.name.get
        aspect_step = partial(Step, applies=self._planning(aspect.id), group=aspect.id)
        return [
            aspect_step(
                f"a:{aspect.id}:main",
                self.texts.filled(
                    "sustainability.ask.main", aspect=name, question=aspect.question.get
                ),
                options=tuple(Option(oid, label) for oid, label in aspect.options),
                columns=2,
                free_text=True,
                max_length=200,
            ),
            aspect_step(
                f"a:{aspect.id}:what",
                self.texts.filled(
                    "sustainability.ask.what", aspect=name, hint=aspect.what_hint.get
                ),
                free_text=True,
                max_length=400,
            ),
            aspect_step(
                f"a:{aspect.id}:who",
                self.texts.filled("sustainability.ask.who", aspect=name),
                free_text=True,
                max_length=100,
            ),
            aspect_step(
                f"a:{aspect.id}:when",
                self.texts.filled("sustainability.ask.when", aspect=name),
                options=tuple(Option(w, t(f"sustainability.when.{w}")) for w in WHEN),
                columns=2,
                free_text=True,
                max_length=40,
                describe=partial(self._describe_when, aspect),
            ),
            aspect_step(
                f"a:{aspect.id}:measure",
                self.texts.filled(
                    "sustainability.ask.measure", aspect=name, hint=aspect.measure_hint.get
                ),
                free_text=True,
                skippable=True,
                max_length=300,
            ),
        ]

    def _end_text(self, context: Mapping[str, Any], lang: str) -> str:
        end = self._project_end(self.project_of(context))
        if end is None:
            return self.texts.text("sustainability.follow.unknown_end", lang)
        return show_date(end)

    def _describe_when(
        self, aspect: Aspect, answers: Mapping[str, Any], context: Mapping[str, Any], lang: str
    ) -> str:
        question = self.texts.text("sustainability.ask.when", lang, aspect=aspect.name.get(lang))
        ended = self._ended_note(answers, context, lang)
        return f"{question}\n\n{ended}" if ended else question

    def _ended_note(
        self, answers: Mapping[str, Any], context: Mapping[str, Any], lang: str
    ) -> str | None:
        """For a project that has ended: from which day "+N months" count (None otherwise)."""
        project = self.project_of(context)
        base, ended = self._anchor(answers, project)
        end = self._project_end(project)
        if not ended or end is None:
            return None
        return self.texts.text(
            "sustainability.when.ended", lang, end=show_date(end), base=show_date(base)
        )

    def _describe_follow(
        self, answers: Mapping[str, Any], context: Mapping[str, Any], lang: str
    ) -> str:
        ended = self._ended_note(answers, context, lang)
        if ended is not None:
            base, _ = self._anchor(answers, self.project_of(context))
            return self.texts.text(
                "sustainability.follow.question_ended", lang, base=show_date(base)
            )
        return self.texts.text(
            "sustainability.follow.question", lang, end=self._end_text(context, lang)
        )

    def _describe_status(
        self, aspect: Aspect, answers: Mapping[str, Any], context: Mapping[str, Any], lang: str
    ) -> str:
        when = self._resolve_when(answers, self.project_of(context), aspect.id)
        return self.texts.text(
            "sustainability.ask.status",
            lang,
            aspect=aspect.name.get(lang),
            what=answers.get(f"a:{aspect.id}:what") or "—",
            when=show_date(when) if when else "—",
        )

    def warm_up(self) -> None:
        import docx  # noqa: F401

    def steps(self) -> Sequence[Step]:
        return self._steps

    def validate_text(
        self, step: Step, text: str, answers: Mapping[str, Any], lang: str
    ) -> str | None:
        if step.id.endswith(":when") and parse_date(text) is None:
            return self.texts.text("sustainability.when.bad_date", lang)
        return None

    # ---- dates -------------------------------------------------------------------------
    @staticmethod
    def _project_end(project: Mapping[str, Any]) -> date | None:
        end = project.get("ends_on")
        return date.fromisoformat(end) if end else None

    def _anchor(self, answers: Mapping[str, Any], project: Mapping[str, Any]) -> tuple[date, bool]:
        """The day "+N months" count from, and whether the project has already ended.

        Before the end (or with no end date) they count from the end (or today). For a project
        that has ended they count from the day the plan was made (kept as ``FROM``), so every
        date it offers is still ahead."""
        today = self._clock()
        end = self._project_end(project)
        if end is None:
            return today, False
        if end >= today:
            return end, False
        kept = parse_date(str(answers.get(FROM) or ""))
        return (kept or today), True

    def _resolve_when(
        self, answers: Mapping[str, Any], project: Mapping[str, Any], aspect_id: str
    ) -> date | None:
        value = answers.get(f"a:{aspect_id}:when")
        if not value:
            return None
        if value == "end":
            return self._project_end(project) or self._clock()
        if value in WHEN:
            base, _ = self._anchor(answers, project)
            return add_months(base, WHEN[value])
        return parse_date(str(value))

    def _chosen_reviews(
        self, answers: Mapping[str, Any], project: Mapping[str, Any]
    ) -> list[tuple[int, date]]:
        """Every review the user chose, with its date (past ones included)."""
        base, _ = self._anchor(answers, project)
        months = FOLLOW.get(str(answers.get("follow")), ())
        return [(m, add_months(base, m)) for m in months]

    def _review_dates(
        self, answers: Mapping[str, Any], project: Mapping[str, Any]
    ) -> list[tuple[int, date]]:
        """The reviews still ahead (today included)."""
        today = self._clock()
        return [(m, day) for m, day in self._chosen_reviews(answers, project) if day >= today]

    # ---- starting ----------------------------------------------------------------------
    def begin(self, arg: str, last: Record | None) -> Start | None:
        if arg == "review":
            edit = edit_start(last)
            return None if edit is None else Start(answers=edit.answers, context={REVIEW: True})
        return super().begin(arg, last)

    # ---- results -----------------------------------------------------------------------
    def _kept(self, answers: Mapping[str, Any], project: Mapping[str, Any]) -> dict[str, Any]:
        """The answers to keep, with each action's date made absolute."""
        kept = {k: v for k, v in answers.items() if k != PICK}
        base, ended = self._anchor(answers, project)
        if ended:
            kept[FROM] = base.isoformat()
        for aspect in self.content.aspects:
            when = self._resolve_when(answers, project, aspect.id)
            if when is not None:
                kept[f"a:{aspect.id}:when"] = when.isoformat()
        return kept

    def _report(
        self, answers: Mapping[str, Any], project: Mapping[str, Any], when: date, lang: str
    ) -> PlanReport:
        return PlanReport(
            self.texts,
            self.content,
            answers,
            project=str(project.get("name", "")),
            when=when,
            lang=lang,
            reviews=[day for _, day in self._review_dates(answers, project)],
        )

    def complete(self, state: FlowState, lang: str) -> Completion:
        today = self._clock()
        project = self.project_of(state.context)
        answers = self._kept(state.answers, project)
        report = self._report(answers, project, today, lang)
        reviews = self._review_dates(answers, project)
        _, ended = self._anchor(answers, project)
        wording = "reminder_after_plan" if ended else "reminder"
        reminders = tuple(
            ReminderSpec(
                key=f"review-{months}",
                due_on=day,
                text=self.texts.filled(
                    f"sustainability.follow.{wording}",
                    project=lambda _l: str(project.get("name", "")),
                    months=constant(str(months)),
                ),
            )
            for months, day in reviews
        )
        notes = self._reminder_notes(answers, project, lang)
        past = [day for _, day in self._chosen_reviews(answers, project) if day < self._clock()]
        if past:
            dates = ", ".join(show_date(day) for day in past)
            notes.append(self.texts.text("sustainability.result.reminders_past", lang, dates=dates))
        changed = self.changed_keys(answers, state.context)
        if changed is None:
            message = report.summary(notes)
        else:  # an edit: only what changed, and the new document
            message = self._changes(report, changed, notes, lang)
        return Completion(
            messages=(message,),
            files=(report.document(),),
            record=self.record(answers, state.context, date=today.isoformat()),
            reminders=reminders,
            details=True,
        )

    def _reminder_notes(
        self, answers: Mapping[str, Any], project: Mapping[str, Any], lang: str
    ) -> list[str]:
        """The review reminders still ahead, and where they count from."""
        reviews = self._review_dates(answers, project)
        if not reviews:
            return []
        dates = ", ".join(show_date(day) for _, day in reviews)
        note = self.texts.text("sustainability.result.reminders", lang, dates=dates)
        base, ended = self._anchor(answers, project)
        if ended:
            note += "\n" + self.texts.text(
                "sustainability.result.counted_from", lang, base=show_date(base)
            )
        return [note]

    def _changes(
        self, report: PlanReport, changed: Sequence[str], notes: Sequence[str], lang: str
    ) -> str:
        """The parts changed in an edit: an aspect's new action line, a criterion's new score."""
        lines = [self.texts.text("sustainability.result.changed", lang)]
        for aspect in self.content.aspects:
            if any(key.startswith(f"a:{aspect.id}:") for key in changed):
                values = report.action(aspect.id)
                lines.append(self.texts.text("sustainability.result.summary_line", lang, **values))
        scores = criterion_scores(self.content, report.answers)
        for criterion in self.content.criteria:
            asked = {question_step(q.id) for q in criterion.questions}
            if asked & set(changed):
                score = scores.get(criterion.id)
                lines.append(f"{criterion.name.get(lang)}: {score if score is not None else '—'}%")
        if "follow" in changed:
            lines.extend(notes or [self.texts.text("sustainability.result.no_reminders", lang)])
        if len(lines) == 1:
            lines.append(self.texts.text("sustainability.result.unchanged", lang))
        return "\n".join(lines)

    def _last_report(self, last: Record, lang: str) -> PlanReport:
        when = local_date(last.created_at)
        return self._report(self.last_answers(last), self.last_project(last), when, lang)

    def landing(self, last: Record, lang: str) -> Landing:
        report = self._last_report(last, lang)
        actions = tuple(
            (arg, self.texts.text(f"sustainability.landing.{arg}", lang))
            for arg in ("review", "edit", "new", "file")
        )
        notes = self._reminder_notes(self.last_answers(last), self.last_project(last), lang)
        return Landing(messages=(report.summary(notes),), actions=actions)

    def details(self, last: Record, lang: str) -> Sequence[Detail]:
        """The summary, the actions in full, the self-check with what to improve, the musts."""
        report = self._last_report(last, lang)
        notes = self._reminder_notes(self.last_answers(last), self.last_project(last), lang)
        t = self.texts.text
        return (
            Detail(t("sustainability.result.summary_button", lang), report.summary(notes)),
            Detail(t("sustainability.result.actions_button", lang), report.actions_message()),
            Detail(t("sustainability.result.check_button", lang), report.check_message()),
            Detail(t("sustainability.result.mandatory_button", lang), report.mandatory_message()),
        )

    def act(
        self, arg: str, last: Record, lang: str, context: Mapping[str, Any] | None = None
    ) -> Completion | None:
        if arg != "file":
            return None
        return Completion(files=(self._last_report(last, lang).document(),))
