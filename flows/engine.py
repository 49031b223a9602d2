"""The flow engine: steps, state, events and the one pure ``advance`` function.

A run's state keeps what the user answered (``answers``) apart from what the run was started
with (``context``: the project a tool works on, the flow to open next, an edit or review mode,
the last result to compare with). Steps see both; only ``answers`` are the user's.

A finished run names the files it offers (``FileSpec``: a name and a picklable builder); the
caller builds them after the step, so ``advance`` itself does no I/O and draws nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from knowledge.texts import Catalogue, Localized

JSON = dict[str, Any]
PROJECT = "project"  # context key: the active project the core hands a project tool
THEN = "then"  # context key: the flow to open when this one is finished
EDIT = "edit"  # context key: this run changes the answers of the last result
DEFAULTS = "defaults"  # context key: earlier answers offered as each step's default
CONTACT = "contact"  # context key: the user's kept contact details (flows that use them)
KEEP = "+"  # the option id of "keep the default" (a button under a step that has one)


@dataclass(frozen=True)
class Option:
    """A button a step offers: a short ascii id (it travels in callback data) and a label."""

    id: str
    label: Localized


@dataclass(frozen=True)
class Step:
    """One question of a flow.

    A step offers ``options`` as buttons, accepts free text when ``free_text`` is set, and can be
    skipped when ``skippable``. ``applies(answers, context)`` decides whether it is asked.
    Progress ("7/21") counts ``group``s: steps sharing a group count once, an empty group not at
    all (None: the step is its own group).
    """

    id: str
    question: Localized
    options: tuple[Option, ...] = ()
    free_text: bool = False
    skippable: bool = False
    max_length: int = 1000
    columns: int = 1
    applies: Callable[[Mapping[str, Any], Mapping[str, Any]], bool] = lambda answers, context: True
    group: str | None = None
    # A question whose text depends on the run so far: (answers, context, language) -> text.
    describe: Callable[[Mapping[str, Any], Mapping[str, Any], str], str] | None = None

    @property
    def progress_group(self) -> str:
        return self.id if self.group is None else self.group

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Start:
    """How a fresh run begins: answers known in advance and the run's context."""

    answers: JSON = field(default_factory=dict)
    context: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class FlowState:
    """Where a user is in one flow: the current step, the user's answers, the run's context,
    the steps behind (for "back") and the sequence number its buttons carry."""

    flow: str
    step: str | None
    answers: JSON = field(default_factory=dict)
    history: tuple[str, ...] = ()
    seq: int = 1
    context: JSON = field(default_factory=dict)

    def to_json(self) -> JSON:
        """The one stored form of a run (``from_json`` reads it back)."""
        return {
            "flow": self.flow,
            "step": self.step,
            "answers": self.answers,
            "context": self.context,
            "history": list(self.history),
            "seq": self.seq,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FlowState:
        return cls(
            flow=str(data["flow"]),
            step=data.get("step"),
            answers=dict(data.get("answers") or {}),
            history=tuple(data.get("history") or ()),
            seq=int(data.get("seq") or 1),
            context=dict(data.get("context") or {}),
        )


# Events a user can send into a flow.
@dataclass(frozen=True)
class Choose:
    option: str


@dataclass(frozen=True)
class Answer:
    text: str


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Skip:
    pass


@dataclass(frozen=True)
class Show:
    """Show the current step again (resume, or after a message the step cannot take)."""


Event = Choose | Answer | Back | Skip | Show


@dataclass(frozen=True)
class Prompt:
    """What to ask next, rendered in one language."""

    step: str
    text: str
    options: tuple[tuple[str, str], ...]
    columns: int
    free_text: bool
    can_back: bool
    can_skip: bool
    position: int
    total: int
    default: str | None = None  # the default answer as shown ("keep" offers it)


@dataclass(frozen=True)
class FileSpec:
    """A file a flow offers, named but not yet built: ``build`` makes its bytes after the step
    (a module-level function or a ``functools.partial`` of one, so it can run in another
    process). An image is shown as a photo where possible. ``action``: a landing action
    (argument, label) offered as a button under the file, such as putting a name on it."""

    filename: str
    build: Callable[[], bytes]
    caption: str = ""
    is_image: bool = False
    action: tuple[str, str] | None = None

    @property
    def data(self) -> bytes:
        """The file's bytes, built here and now (callers that care where: ``flows.building``)."""
        return self.build()


@dataclass(frozen=True)
class Detail:
    """One part of a result, shown on demand: a button under the summary opens it in place."""

    label: str
    text: str


@dataclass(frozen=True)
class ReminderSpec:
    """A reminder a finished flow asks for: sent on ``due_on`` in the user's language."""

    key: str
    due_on: date
    text: Localized


@dataclass(frozen=True)
class Completion:
    """What a finished flow gives: messages, files, and a record to keep in the user's history.

    ``details``: offer the flow's ``details`` of the kept record as buttons under the last
    message (the summary), each opened in place on a phone.
    ``reminders`` replace the flow's unsent reminders for the project (when there is a record);
    ``project`` asks the core to create that project and make it active; ``then`` names a flow
    to open next; ``contact`` asks the core to keep the user's contact details.
    """

    messages: tuple[str, ...] = ()
    files: tuple[FileSpec, ...] = ()
    record: JSON | None = None
    reminders: tuple[ReminderSpec, ...] = ()
    project: JSON | None = None
    then: str | None = None
    contact: dict[str, str] | None = None
    details: bool = False


@dataclass(frozen=True)
class Record:
    """A finished run of a flow as kept in the user's history."""

    data: JSON
    created_at: datetime


@dataclass(frozen=True)
class Landing:
    """What opening a flow shows when the user has finished it before: the last result and
    ``actions`` (argument, label) offered as buttons, such as a retake or an export."""

    messages: tuple[str, ...] = ()
    files: tuple[FileSpec, ...] = ()
    actions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Output:
    """The result of one event: notes to show, then either a prompt or a completion."""

    notes: tuple[str, ...] = ()
    prompt: Prompt | None = None
    completion: Completion | None = None
    changed: bool = True


class Flow(ABC):
    """A guided flow: an ordered list of steps plus what to do when it is finished."""

    id: str
    title: Localized
    texts: Catalogue
    needs_project: bool = False  # works on the user's active project (the core asks for one)
    in_menu: bool = True  # offered in the main menu
    uses_contact: bool = False  # the core hands over the user's contact details (``CONTACT``)

    @abstractmethod
    def steps(self) -> Sequence[Step]:
        """All steps in order; each step's ``applies`` filters them for one user's answers."""

    @abstractmethod
    def complete(self, state: FlowState, lang: str) -> Completion:
        """Build the summary, files and history record from the final answers."""

    def validate_text(
        self, step: Step, text: str, answers: Mapping[str, Any], lang: str
    ) -> str | None:
        """Return a note when free text is not acceptable for ``step`` (None when fine)."""
        return None

    def begin(self, arg: str, last: Record | None) -> Start | None:
        """How a fresh run starts, given the command argument ("/digcomp quick") and the user's
        last finished run; None when ``arg`` is not one this flow understands."""
        return Start() if not arg else None

    def landing(self, last: Record, lang: str) -> Landing | None:
        """What to show instead of starting when the user opens a flow finished before."""
        return None

    def act(
        self, arg: str, last: Record, lang: str, context: Mapping[str, Any] | None = None
    ) -> Completion | None:
        """Carry out a landing action that is not a fresh start (an export, say); ``context``
        holds what a run would start with (the user's ``CONTACT`` for flows that use it)."""
        return None

    def details(self, last: Record, lang: str) -> Sequence[Detail]:
        """A result's parts shown on demand; the first is its short summary (none: no buttons)."""
        return ()

    def default(
        self, step: Step, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> Any | None:
        """The answer ``step`` offers to keep: the run's current answer in an edit, else the
        earlier answer the run was started with (``DEFAULTS``); None when there is none."""
        if context.get(EDIT) and answers.get(step.id) not in (None, ""):
            return answers[step.id]
        earlier = context.get(DEFAULTS)
        value = earlier.get(step.id) if isinstance(earlier, Mapping) else None
        return None if value in (None, "") else value

    def warm_up(self) -> None:
        """Load anything slow to load (chart and document libraries) before the first user needs
        it; the bot calls this in the background at start."""
        return None

    # ---- derived helpers -------------------------------------------------------------
    def step_by_id(self, step_id: str) -> Step:
        for step in self.steps():
            if step.id == step_id:
                return step
        raise KeyError(f"flow {self.id} has no step {step_id!r}")

    def applicable(self, answers: Mapping[str, Any], context: Mapping[str, Any]) -> list[Step]:
        return [s for s in self.steps() if s.applies(answers, context)]

    def next_step_id(
        self, after: str | None, answers: Mapping[str, Any], context: Mapping[str, Any]
    ) -> str | None:
        ids = [s.id for s in self.steps()]
        start = 0 if after is None else ids.index(after) + 1
        for step in self.steps()[start:]:
            if step.applies(answers, context):
                return step.id
        return None


def edit_start(last: Record | None) -> Start | None:
    """A run that edits the answers of the last result (None when there is no last result)."""
    if last is None:
        return None
    kept = last.data.get("answers")
    return Start(answers=dict(kept) if isinstance(kept, Mapping) else {}, context={EDIT: True})


def start(flow: Flow, begin: Start | None = None, seq: int = 1) -> FlowState:
    """A fresh state at the flow's first applicable step."""
    begin = begin or Start()
    answers, context = dict(begin.answers), dict(begin.context)
    first = flow.next_step_id(None, answers, context)
    return FlowState(flow=flow.id, step=first, answers=answers, seq=seq, context=context)


def render(flow: Flow, state: FlowState, lang: str) -> Prompt:
    """The current step of ``state`` as a prompt in ``lang``."""
    assert state.step is not None
    step = flow.step_by_id(state.step)
    groups: list[str] = []
    for applicable in flow.applicable(state.answers, state.context):
        group = applicable.progress_group
        if group and group not in groups:
            groups.append(group)
    group = step.progress_group
    position = groups.index(group) + 1 if group in groups else 0
    default = flow.default(step, state.answers, state.context)
    shown_default = None
    if default is not None:
        option = step.option(str(default))
        shown_default = option.label.get(lang) if option else str(default)
    return Prompt(
        step=step.id,
        text=(
            step.describe(state.answers, state.context, lang)
            if step.describe
            else step.question.get(lang)
        ),
        options=tuple((o.id, o.label.get(lang)) for o in step.options),
        columns=step.columns,
        free_text=step.free_text,
        can_back=bool(state.history),
        can_skip=step.skippable,
        position=position,
        total=len(groups),
        default=shown_default,
    )


def advance(flow: Flow, state: FlowState, event: Event, lang: str) -> tuple[FlowState, Output]:
    """Apply one event to a flow's state. Pure: no I/O, the same inputs give the same result."""
    if state.step is None:
        raise ValueError(f"flow {flow.id} is already finished")
    step = flow.step_by_id(state.step)
    texts = flow.texts

    if isinstance(event, Show):
        return state, Output(prompt=render(flow, state, lang), changed=False)
    if isinstance(event, Back):
        if not state.history:
            note = texts.text("engine.no_back", lang)
            return state, Output(notes=(note,), prompt=render(flow, state, lang), changed=False)
        previous = replace(
            state, step=state.history[-1], history=state.history[:-1], seq=state.seq + 1
        )
        return previous, Output(prompt=render(flow, previous, lang))
    if isinstance(event, Skip):
        if not step.skippable:
            note = texts.text("engine.no_skip", lang)
            return state, Output(notes=(note,), prompt=render(flow, state, lang), changed=False)
        answers = {k: v for k, v in state.answers.items() if k != step.id}
        return _move_on(flow, state, answers, lang)
    if isinstance(event, Choose) and event.option == KEEP:
        default = flow.default(step, state.answers, state.context)
        if default is None:
            note = texts.text("engine.choose_button", lang)
            return state, Output(notes=(note,), prompt=render(flow, state, lang), changed=False)
        if step.option(str(default)) is not None:
            return _move_on(flow, state, {**state.answers, step.id: str(default)}, lang)
        event = Answer(str(default))
    elif isinstance(event, Choose):
        if step.option(event.option) is None:
            note = texts.text("engine.choose_button", lang)
            return state, Output(notes=(note,), prompt=render(flow, state, lang), changed=False)
        return _move_on(flow, state, {**state.answers, step.id: event.option}, lang)
    # Free text.
    assert isinstance(event, Answer)
    text = " ".join(event.text.split())
    problem = _text_problem(flow, step, text, state.answers, lang)
    if problem:
        return state, Output(notes=(problem,), prompt=render(flow, state, lang), changed=False)
    return _move_on(flow, state, {**state.answers, step.id: text}, lang)


def _text_problem(
    flow: Flow, step: Step, text: str, answers: Mapping[str, Any], lang: str
) -> str | None:
    texts = flow.texts
    if not step.free_text:
        return texts.text("engine.choose_button", lang)
    if not text:
        return texts.text("engine.empty_text", lang)
    if len(text) > step.max_length:
        return texts.text("engine.too_long", lang, limit=step.max_length, length=len(text))
    return flow.validate_text(step, text, answers, lang)


def _move_on(flow: Flow, state: FlowState, answers: JSON, lang: str) -> tuple[FlowState, Output]:
    assert state.step is not None
    nxt = flow.next_step_id(state.step, answers, state.context)
    moved = replace(
        state, step=nxt, answers=answers, history=(*state.history, state.step), seq=state.seq + 1
    )
    if nxt is None:
        return moved, Output(completion=flow.complete(moved, lang))
    return moved, Output(prompt=render(flow, moved, lang))
