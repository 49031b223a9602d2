"""Runs on a shared project: each remembers the team's result it started from (``BASE``), and
when it finishes its answers are merged into the team's current ones under the project's row
lock. What someone else changed meanwhile is kept; an item both changed keeps the answer saved
first, and the user who finished later is told which, by whom, and can answer it again."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.dialogue import callbacks
from bot.dialogue.messages import Button, Reply
from bot.dialogue.turn import Turn
from flows.engine import DEFAULTS, EDIT, PROJECT, Completion, Flow, FlowState
from flows.merge import edits, last_changes, three_way
from flows.project_tool import BASE, BEFORE, FOCUS, ProjectTool
from knowledge.texts import Catalogue
from storage.history import ProjectHistory, answers_of
from storage.models import Project

SHOWN = 5  # items listed (each with a button) in one "changed meanwhile" message


def project_id_of(run: FlowState) -> int | None:
    project = run.context.get(PROJECT)
    found = project.get("id") if isinstance(project, dict) else None
    return found if isinstance(found, int) else None


def base_id(turn: Turn, flow: Flow, project_id: int) -> int | None:
    """The team's latest result a new run on the project starts from."""
    latest = ProjectHistory(turn.session).latest(project_id, flow.id)
    return latest.id if latest is not None else None


@dataclass(frozen=True)
class Meanwhile:
    """Items someone else changed while this run was answered, each kept as they saved it."""

    conflicts: tuple[str, ...]
    answers: dict[str, object]


class SharedRuns:
    """Merging a finished run into its project's results; telling the user what was kept."""

    def __init__(self, texts: Catalogue) -> None:
        self.texts = texts

    def settle(
        self, turn: Turn, flow: Flow, run: FlowState, done: Completion
    ) -> tuple[Completion, Meanwhile | None]:
        """``done`` as it is when nobody else saved the project's ``flow`` since the run
        started; otherwise completed again from the merged answers."""
        project_id = project_id_of(run)
        if (
            not isinstance(flow, ProjectTool)
            or project_id is None
            or BASE not in run.context
            or done.record is None
        ):
            return done, None
        history = ProjectHistory(turn.session)
        if not history.lock(project_id):
            return done, None
        latest = history.latest(project_id, flow.id)
        started = run.context.get(BASE)
        if latest is None or latest.id == started:
            return done, None
        base = history.result(started, project_id, flow.id) if isinstance(started, int) else None
        theirs = answers_of(latest)
        mine = done.record.get("answers")
        merged = three_way(
            answers_of(base), mine if isinstance(mine, dict) else {}, theirs, flow.item_of
        )
        context = {k: v for k, v in run.context.items() if k not in (DEFAULTS, FOCUS)}
        context.update({EDIT: True, BEFORE: theirs, BASE: latest.id})
        again = flow.complete(replace(run, answers=merged.answers, context=context), turn.lang)
        meanwhile = Meanwhile(merged.conflicts, theirs) if merged.conflicts else None
        return again, meanwhile

    def told(self, turn: Turn, flow: ProjectTool, run: FlowState, meanwhile: Meanwhile) -> Reply:
        """Which items were changed meanwhile, by whom, their current answers, and a button to
        answer each again."""
        project_id = project_id_of(run)
        assert project_id is not None
        by = self.last_changed_by(turn, flow, project_id)
        lines = [self.texts.text("shared.meanwhile", turn.lang)]
        rows: list[tuple[Button, ...]] = []
        for item in meanwhile.conflicts[:SHOWN]:
            label = flow.item_label(item, turn.lang)
            lines.append(
                self.texts.text(
                    "shared.meanwhile_line",
                    turn.lang,
                    item=label,
                    name=by.get(item, self.texts.text("team.no_name", turn.lang)),
                    value=flow.item_value(meanwhile.answers, item, turn.lang),
                )
            )
            if flow.has_item(item) and len(f"e.{item}") <= 40:
                text = self.texts.text("shared.answer_again", turn.lang, item=label)
                rows.append((Button(text[:60], callbacks.encode("go", flow.id, f"e.{item}")),))
        if len(meanwhile.conflicts) > SHOWN:
            more = len(meanwhile.conflicts) - SHOWN
            lines.append(self.texts.text("shared.meanwhile_more", turn.lang, count=more))
        return Reply("\n".join(lines), buttons=tuple(rows))

    def last_changed_by(self, turn: Turn, flow: ProjectTool, project_id: int) -> dict[str, str]:
        """Each item's last author on the project, as the team sees them."""
        history = ProjectHistory(turn.session)
        kept = history.kept(project_id, (flow.id,))[flow.id]
        names = self.names(turn, project_id)
        last = last_changes(edits(kept, flow.item_of))
        return {item: names(edit.user_id) for item, edit in last.items()}

    def names(self, turn: Turn, project_id: int) -> NameOf:
        """How the team sees each author: a first name, or "former member" once they left."""
        project = turn.session.get(Project, project_id)
        return NameOf(
            ProjectHistory(turn.session).names(project_id),
            project.user_id if project is not None else None,
            self.texts.text("team.no_name", turn.lang),
            self.texts.text("team.former", turn.lang),
        )


@dataclass(frozen=True)
class NameOf:
    """A result author's name as the team sees it."""

    team: dict[int, str | None]
    owner: int | None
    unnamed: str
    former: str

    def __call__(self, user_id: int | None) -> str:
        if user_id is not None and (user_id in self.team or user_id == self.owner):
            return self.team.get(user_id) or self.unnamed
        return self.former
