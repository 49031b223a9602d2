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
    DEFAULTS,
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
from flows.project_tool import FOCUS, LINK, PERSON, ProjectTool
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
ID = LINK  # "a:<aspect>:who_id": the user id of a "who" who is a member of the team


class SustainabilityFlow(ProjectTool):
    """The post-project sustainability plan for the active project."""

    id = "sustainability"
    review_start = REVIEW  # a reminder's button: review the progress of the last plan

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
            if not context.get(EDIT):
                return True
            return (context.get(FOCUS) or answers.get(PICK)) == section

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
                applies=lambda a, c: bool(c.get(EDIT)) and not c.get(REVIEW) and not c.get(FOCUS),
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

    # ---- items ------------------------------------------------------------------------
    def item_of(self, key: str) -> str:
        """An aspect's action and progress status, a criterion's questions, the reminders."""
        parts = key.split(":")
        if parts[0] == "q" and len(parts) > 1:
            for criterion in self.content.criteria:
                if any(q.id == parts[1] for q in criterion.questions):
                    return criterion.id
        return parts[1] if len(parts) > 1 else key

    def _sections(self, lang: str) -> dict[str, str]:
        names = {a.id: a.name.get(lang) for a in self.content.aspects}
        names.update({c.id: c.name.get(lang) for c in self.content.criteria})
        names["follow"] = self.texts.text("sustainability.edit.follow", lang)
        return names

    def has_item(self, item: str) -> bool:
        return item in self._sections("en")

    def item_label(self, item: str, lang: str) -> str:
        return self._sections(lang).get(item, item)

    def item_value(self, answers: Mapping[str, Any], item: str, lang: str) -> str:
        """An aspect's what, who and when; a criterion's score; the reminders chosen."""
        if item == "follow":
            chosen = answers.get("follow")
            return self.texts.text(f"sustainability.follow.{chosen}", lang) if chosen else "—"
        scores = criterion_scores(self.content, answers)
        if item in scores:
            score = scores[item]
            return f"{score}%" if score is not None else "—"
        parts = [answers.get(f"a:{item}:{part}") for part in ("what", "who")]
        when = parse_date(str(answers.get(f"a:{item}:when") or ""))
        shown = [str(p) for p in parts if p] + ([show_date(when)] if when else [])
        return " · ".join(shown) or "—"

    # ---- results -----------------------------------------------------------------------
    def options(
        self, step: Step, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> tuple[Option, ...]:
        """An action's "who" also offers the team's members."""
        if step.id.endswith(":who"):
            return step.options + self.member_options(context)
        return step.options

    def default(self, step: Step, answers: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
        """A member who was picked is offered as their button again."""
        found = super().default(step, answers, context)
        if step.id.endswith(":who") and found is not None:
            source = answers if context.get(EDIT) else context.get(DEFAULTS)
            linked = source.get(f"{step.id}{ID}") if isinstance(source, Mapping) else None
            person = self.person(found, linked, context)
            if person is not None and person[1] is not None:
                return f"{PERSON}{person[1]}"
        return found

    def _kept(
        self, answers: Mapping[str, Any], project: Mapping[str, Any], context: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The answers to keep, with each action's date made absolute and each "who" that is a
        member of the team kept with their user id (``a:<aspect>:who_id``)."""
        kept = {k: v for k, v in answers.items() if k != PICK and not k.endswith(ID)}
        for aspect in self.content.aspects:
            key = f"a:{aspect.id}:who"
            person = self.person(answers.get(key), answers.get(f"{key}{ID}"), context)
            if person is not None:
                kept[key] = person[0]
                if person[1] is not None:
                    kept[f"{key}{ID}"] = person[1]
        base, ended = self._anchor(answers, project)
        if ended:
            kept[FROM] = base.isoformat()
        for aspect in self.content.aspects:
            when = self._resolve_when(answers, project, aspect.id)
            if when is not None:
                kept[f"a:{aspect.id}:when"] = when.isoformat()
        return kept

    def _report(
        self,
        answers: Mapping[str, Any],
        project: Mapping[str, Any],
        when: date,
        lang: str,
        shown: Mapping[str, Any] | None = None,
    ) -> PlanReport:
        return PlanReport(
            self.texts,
            self.content,
            answers,
            project=str(project.get("name", "")),
            when=when,
            lang=lang,
            reviews=[day for _, day in self._review_dates(answers, project)],
            changed=self.team_of(shown or {})[0],
        )

    def complete(self, state: FlowState, lang: str) -> Completion:
        today = self._clock()
        project = self.project_of(state.context)
        answers = self._kept(state.answers, project, state.context)
        report = self._report(answers, project, today, lang, state.context)
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
        reminders += self._follow_ups(answers, project)
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

    def _follow_ups(
        self, answers: Mapping[str, Any], project: Mapping[str, Any]
    ) -> tuple[ReminderSpec, ...]:
        """On a shared project: a follow-up on each action's date, to the member it is
        assigned to (an action assigned to someone outside the team has none)."""
        today = self._clock()
        found = []
        for aspect in self.content.aspects:
            assignee = answers.get(f"a:{aspect.id}:who{ID}")
            when = parse_date(str(answers.get(f"a:{aspect.id}:when") or ""))
            if not isinstance(assignee, int) or when is None or when < today:
                continue
            what = str(answers.get(f"a:{aspect.id}:what") or "")
            found.append(
                ReminderSpec(
                    key=f"action-{aspect.id}",
                    due_on=when,
                    text=self.texts.filled(
                        "sustainability.follow.action_reminder",
                        aspect=aspect.name.get,
                        what=constant(what),
                        project=constant(str(project.get("name", ""))),
                    ),
                    to=assignee,
                    line=self.texts.filled(
                        "sustainability.follow.action_line",
                        aspect=aspect.name.get,
                        what=constant(what),
                        who=constant(str(answers.get(f"a:{aspect.id}:who") or "")),
                    ),
                )
            )
        return tuple(found)

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
        return self._report(
            self.last_answers(last), self.last_project(last), when, lang, last.shown
        )

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
