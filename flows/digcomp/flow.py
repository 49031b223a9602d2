"""The DigComp 2.2 self-assessment flow: a quick (21 ratings) or thorough (2–4 statements per
competence) run, scored, charted, summarised as a PDF and kept in the user's history."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
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
    CONTACT,
    Completion,
    Detail,
    FileSpec,
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
# Putting the user's name on the PDF: a run of one step (``NAME_STEP``) started from the button
# under a PDF, on the result kept in its context (``NAMING``). The name is kept with the user's
# contact details and printed on every later PDF; "without a name" is kept too, so it is asked
# once.
NAME_ACTION = "name"
NAMING = "naming"
NAME_STEP = "name"
NO_NAME = "-"
DOCUMENT_NAME = "document_name"  # the key of the name in the user's contact details


class DigCompFlow(Flow):
    """Self-assessment against the 5 areas and 21 competences of DigComp 2.2."""

    id = "digcomp"
    uses_contact = True  # the name printed on the PDF

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
        steps.append(
            Step(
                id=NAME_STEP,
                question=self.texts.localized("digcomp.name.question"),
                options=(Option(NO_NAME, self.texts.localized("digcomp.name.none")),),
                free_text=True,
                max_length=80,
                applies=lambda answers, context: bool(context.get(NAMING)),
                group="",
            )
        )
        return tuple(steps)

    def steps(self) -> Sequence[Step]:
        return self._steps

    # ---- starting ----------------------------------------------------------------------
    def begin(self, arg: str, last: Record | None) -> Start | None:
        answers: dict[str, Any] = {}
        context: dict[str, Any] = {}
        if arg.strip().lower() == NAME_ACTION:
            if last is None:
                return None
            kept = {"data": last.data, "created_at": last.created_at.isoformat()}
            return Start(context={PRESET: True, NAMING: kept})
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

    # ---- the name on the PDF -----------------------------------------------------------
    def default(
        self, step: Step, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> Any | None:
        """The name asked for the PDF offers the one kept, else the partner calls' contact."""
        if step.id != NAME_STEP:
            return super().default(step, answers, context)
        kept = context.get(CONTACT)
        if not isinstance(kept, Mapping):
            return None
        return kept.get(DOCUMENT_NAME) or kept.get("person") or None

    def validate_text(
        self, step: Step, text: str, answers: Mapping[str, Any], lang: str
    ) -> str | None:
        if step.id == NAME_STEP and not any(ch.isalpha() for ch in text):
            return self.texts.text("digcomp.name.bad", lang)
        return None

    def _name_button(self, name: str | None, lang: str) -> tuple[str, str]:
        key = "digcomp.pdf.change_name" if name else "digcomp.pdf.add_name"
        return NAME_ACTION, self.texts.text(key, lang)

    def _named(self, state: FlowState, lang: str) -> Completion:
        """The name chosen: kept for every later PDF, and the PDF made again when it changed."""
        chosen = str(state.answers.get(NAME_STEP, NO_NAME))
        name = "" if chosen == NO_NAME else chosen
        files: tuple[FileSpec, ...] = ()
        last = _naming_record(state.context.get(NAMING))
        if last is not None and name != (_document_name(state.context) or ""):
            files = (self._report_of(last, lang, name).pdf_file(),)
        if name:
            message = self.texts.text("digcomp.name.saved", lang, name=name)
        else:
            message = self.texts.text("digcomp.name.none_saved", lang)
        return Completion(messages=(message,), files=files, contact={DOCUMENT_NAME: name})

    # ---- results -----------------------------------------------------------------------
    def complete(self, state: FlowState, lang: str) -> Completion:
        if state.context.get(NAMING):
            return self._named(state, lang)
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
            name=_document_name(state.context) or "",
        )
        name_asked = _document_name(state.context) is None
        pdf = report.pdf_file(
            action=self._name_button(None, lang) if name_asked else None, ask=name_asked
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
            files=(report.chart_file(), pdf),
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

    def _report_of(self, last: Record, lang: str, name: str = "") -> Report:
        mode = last.data.get("mode")
        return Report(
            self.texts,
            self.competences,
            self.profile_of(last.data),
            mode=mode if mode in MODES else "quick",
            when=local_date(last.created_at),
            lang=lang,
            previous=_previous(last.data.get(PREVIOUS)),
            name=name,
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

    def act(
        self, arg: str, last: Record, lang: str, context: Mapping[str, Any] | None = None
    ) -> Completion | None:
        """The PDF of the last result, with the user's name when they gave one."""
        if arg != PDF_ACTION:
            return None
        name = _document_name(context or {})
        pdf = self._report_of(last, lang, name or "").pdf_file(
            action=self._name_button(name, lang), ask=name is None
        )
        return Completion(files=(pdf,))


def _document_name(context: Mapping[str, Any]) -> str | None:
    """The name the user wants on the PDF ("" : none), None when they were never asked."""
    kept = context.get(CONTACT)
    name = kept.get(DOCUMENT_NAME) if isinstance(kept, Mapping) else None
    return name if isinstance(name, str) else None


def _naming_record(data: Any) -> Record | None:
    """The result a naming run prints again (kept in its context as JSON)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("data"), Mapping):
        return None
    try:
        created = datetime.fromisoformat(str(data.get("created_at")))
    except ValueError:
        return None
    return Record(dict(data["data"]), created)


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
