"""The DigComp 2.2 self-assessment flow: a quick (21 ratings) or thorough (2–4 statements per
competence) run, scored, charted, summarised as a PDF and kept in the user's history."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any

from flows.dates import local_date, local_today
from flows.digcomp.content import BANDS, Competence, default_competences
from flows.digcomp.report import Previous, Report
from flows.digcomp.scoring import (
    MODES,
    SCALE,
    Profile,
    profile_from_levels,
    quick_step,
    score,
    statement_counts,
    statement_step,
)
from flows.engine import (
    Completion,
    Detail,
    Flow,
    FlowState,
    Landing,
    Option,
    Record,
    Start,
    Step,
)
from flows.texts import constant, load_flow_texts
from knowledge.texts import Localized

PRESET = "preset"  # context: the mode came with the command, so the mode question is not asked
PREVIOUS = "previous"  # context: the last result, which a retake is compared with
ARGUMENTS = {
    "quick": "quick",
    "atrais": "quick",
    "ātrais": "quick",
    "full": "full",
    "thorough": "full",
    "padzilinatais": "full",
    "padziļinātais": "full",
}
PDF_ACTION = "pdf"


class DigCompFlow(Flow):
    """Self-assessment against the 5 areas and 21 competences of DigComp 2.2."""

    id = "digcomp"

    def __init__(
        self,
        competences: Sequence[Competence] | None = None,
        clock: Callable[[], date] = local_today,
    ) -> None:
        self.texts = load_flow_texts("digcomp")
        self.title = self.texts.localized("digcomp.title")
        self.competences = tuple(competences or default_competences())
        self._clock = clock
        self._steps = self._build_steps()

    # ---- steps -------------------------------------------------------------------------
    def _build_steps(self) -> tuple[Step, ...]:
        scale = tuple(Option(v, self.texts.localized(f"digcomp.scale.{v}")) for v in SCALE)
        steps = [
            Step(
                id="mode",
                question=self.texts.localized("digcomp.mode.question"),
                options=tuple(Option(m, self.texts.localized(f"digcomp.mode.{m}")) for m in MODES),
                applies=lambda answers, context: not context.get(PRESET),
                group="",
            )
        ]
        for c in self.competences:
            area = self.texts.localized(f"digcomp.area.{c.area}")
            steps.append(
                Step(
                    id=quick_step(c.code),
                    question=self.texts.filled(
                        "digcomp.ask.quick",
                        area=partial(_numbered, c.area, area),
                        code=constant(c.code),
                        name=c.name.get,
                        description=c.description.get,
                    ),
                    options=scale,
                    columns=2,
                    skippable=True,
                    applies=lambda answers, context: answers.get("mode") == "quick",
                    group=c.code,
                )
            )
            for number, band in enumerate(BANDS, start=1):
                steps.append(
                    Step(
                        id=statement_step(c.code, number),
                        question=self.texts.filled(
                            "digcomp.ask.full",
                            code=constant(c.code),
                            name=c.name.get,
                            statement=c.statements[band].get,
                            note=partial(_note, c.note),
                        ),
                        options=scale,
                        columns=2,
                        skippable=True,
                        applies=partial(_statement_asked, c.code, number),
                        group=c.code,
                    )
                )
        return tuple(steps)

    def steps(self) -> Sequence[Step]:
        return self._steps

    # ---- starting ----------------------------------------------------------------------
    def begin(self, arg: str, last: Record | None) -> Start | None:
        answers: dict[str, Any] = {}
        context: dict[str, Any] = {}
        if arg:
            mode = ARGUMENTS.get(arg.strip().lower())
            if mode is None:
                return None
            answers, context = {"mode": mode}, {PRESET: True}
        if last is not None:
            profile = self.profile_of(last.data)
            context[PREVIOUS] = {
                "date": local_date(last.created_at).isoformat(),
                "areas": dict(profile.areas),
                "mode": last.data.get("mode") if last.data.get("mode") in MODES else None,
            }
        return Start(answers=answers, context=context)

    def profile_of(self, data: Mapping[str, Any]) -> Profile:
        """The profile kept in a history record (levels outside 1–8 are ignored)."""
        raw = data.get("levels")
        if not isinstance(raw, Mapping):
            raw = {}
        levels = {
            c.code: value
            for c in self.competences
            if isinstance(value := raw.get(c.code), int) and 1 <= value <= 8
        }
        return profile_from_levels(levels, self.competences)

    # ---- results -----------------------------------------------------------------------
    def complete(self, state: FlowState, lang: str) -> Completion:
        answers = state.answers
        mode = answers.get("mode", "quick")
        profile = score(mode, answers, self.competences)
        if profile.assessed == 0:
            return Completion(messages=(self.texts.text("digcomp.result.nothing", lang),))
        when = self._clock()
        previous = state.context.get(PREVIOUS)
        report = Report(
            self.texts,
            self.competences,
            profile,
            mode=mode,
            when=when,
            lang=lang,
            previous=_previous(previous),
        )
        asked = {s.id for s in self.applicable(answers, state.context)}
        record = {
            "version": 1,
            "mode": mode,
            "date": when.isoformat(),
            "levels": dict(profile.competences),
            "answers": {k: v for k, v in answers.items() if k in asked},
            PREVIOUS: previous if isinstance(previous, Mapping) else None,
        }
        return Completion(
            messages=(report.summary_message(),),
            files=(report.chart_file(), report.pdf_file()),
            record=record,
            details=True,
        )

    def details(self, last: Record, lang: str) -> Sequence[Detail]:
        """The result's sections on demand: the summary first, then the 21 competences, what to
        practise, the change since last time (only when comparable) and how to get it
        recognised."""
        report = self._report_of(last, lang)
        sections = {
            "summary": report.summary_message(),
            "competences": report.competences_message(),
            "next": report.next_steps_message(),
            "change": report.change_message(),
            "about": report.note_message(),
        }
        return [
            Detail(self.texts.text(f"digcomp.details.{name}", lang), text)
            for name, text in sections.items()
            if text is not None
        ]

    def _report_of(self, last: Record, lang: str) -> Report:
        mode = last.data.get("mode")
        return Report(
            self.texts,
            self.competences,
            self.profile_of(last.data),
            mode=mode if mode in MODES else "quick",
            when=local_date(last.created_at),
            lang=lang,
            previous=_previous(last.data.get(PREVIOUS)),
        )

    def landing(self, last: Record, lang: str) -> Landing:
        report = self._report_of(last, lang)
        summary = "\n".join(
            [
                self.texts.text(
                    "digcomp.landing.heading", lang, mode=report.mode_name, date=report.date_text
                ),
                report.overall_line(),
                "",
                *report.area_lines(with_competences=False),
                "",
                self.texts.text("digcomp.landing.what_next", lang),
            ]
        )
        actions = (
            ("quick", self.texts.text("digcomp.landing.retake_quick", lang)),
            ("full", self.texts.text("digcomp.landing.retake_full", lang)),
            (PDF_ACTION, self.texts.text("digcomp.landing.pdf", lang)),
        )
        return Landing(messages=(summary,), files=(report.chart_file(),), actions=actions)

    def warm_up(self) -> None:
        import fpdf  # noqa: F401
        from PIL import ImageDraw, ImageFont, PngImagePlugin  # noqa: F401

    def act(self, arg: str, last: Record, lang: str) -> Completion | None:
        if arg != PDF_ACTION:
            return None
        return Completion(files=(self._report_of(last, lang).pdf_file(),))


def _previous(data: Any) -> Previous | None:
    if not isinstance(data, Mapping):
        return None
    try:
        when = date.fromisoformat(str(data.get("date")))
    except ValueError:
        return None
    areas = data.get("areas")
    if not isinstance(areas, Mapping):
        areas = {}
    mode = data.get("mode") if data.get("mode") in MODES else None
    return Previous(when=when, areas={str(k): v for k, v in areas.items()}, mode=mode)


def _note(note: Localized | None, lang: str) -> str:
    """The line under a statement saying what in it is not from the e-material (or nothing)."""
    return f"\nℹ️ {note.get(lang)}" if note else ""


def _numbered(number: str, name: Localized, lang: str) -> str:
    return f"{number}. {name.get(lang)}"


def _statement_asked(
    code: str, number: int, answers: Mapping[str, Any], context: Mapping[str, Any]
) -> bool:
    """Thorough mode asks a competence's statements one band at a time."""
    return answers.get("mode") == "full" and statement_counts(answers, code, number)
