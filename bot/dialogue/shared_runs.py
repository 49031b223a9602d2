"""Runs on a shared project: each remembers the team's result it started from (``BASE``), and
when it finishes its answers are merged into the team's current ones under the project's row
lock. What someone else changed meanwhile is kept; an item both changed keeps the answer saved
first, and the user who finished later is told which, by whom, and can answer it again.

Who last changed each item (and the coordinator's activity log) is worked out from the
project's kept results, each against the one before it, not stored per item: the results
already say who saved what and when, a merge writes no extra rows, and someone who erases their
data (``FlowResult.user_id`` set to NULL, off the team) shows as a former member everywhere
at once, with no copy of their id left in any record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.dialogue import callbacks
from bot.dialogue.messages import Button, Reply
from bot.dialogue.turn import Turn
from flows.dates import ZONE, local_date, show_date
from flows.engine import DEFAULTS, EDIT, JSON, PROJECT, Completion, Flow, FlowState
from flows.merge import Edit, by_item, edits, last_changes, three_way
from flows.project_tool import BASE, BEFORE, FOCUS, TEAM, ProjectTool
from knowledge.texts import Catalogue
from storage.history import Kept, ProjectHistory, answers_of
from storage.models import Project, utcnow
from storage.team import TeamRepository

SHOWN = 5  # items listed (each with a button) in one "changed meanwhile" message
LOG_ROWS = 1000  # the activity log's newest entries in the register's XLSX


def project_id_of(run: FlowState) -> int | None:
    project = run.context.get(PROJECT)
    found = project.get("id") if isinstance(project, dict) else None
    return found if isinstance(found, int) else None


def base_id(turn: Turn, flow: Flow, project_id: int) -> int | None:
    """The team's latest result a new run on the project starts from."""
    latest = ProjectHistory(turn.session).latest(project_id, flow.id)
    return latest.id if latest is not None else None


def team_list(turn: Turn, project_id: int) -> list[list[object]]:
    """``MEMBERS``: the people on a shared project (longest-standing first) to pick as an
    owner; empty for a project only its coordinator is on."""
    team = TeamRepository(turn.session).members(project_id)
    if len(team) < 2:
        return []
    return [[member.user_id, member.first_name] for member in team if member.first_name]


@dataclass(frozen=True)
class Settled:
    """A finished run's completion as it is saved, what was changed meanwhile, and who
    changed what (``TEAM``; None off a shared project)."""

    done: Completion
    meanwhile: Meanwhile | None = None
    team: JSON | None = None
    state: FlowState | None = None  # the run completed again (None: ``done`` is the run's own)


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
        self, turn: Turn, flow: Flow, run: FlowState, done: Completion, tools: Iterable[Flow]
    ) -> Settled:
        """``done`` as it is when nobody else saved the project's ``flow`` since the run
        started; otherwise completed again from the merged answers. On a shared project it
        is completed again knowing who changed what (the new result counted as the user's)."""
        project_id = project_id_of(run)
        if not isinstance(flow, ProjectTool) or project_id is None or done.record is None:
            return Settled(done)
        history = ProjectHistory(turn.session)
        if not history.lock(project_id):
            return Settled(done)
        latest = history.latest(project_id, flow.id)
        started = run.context.get(BASE, latest.id if latest is not None else None)
        mine = done.record.get("answers")
        answers: dict[str, Any] = dict(mine) if isinstance(mine, dict) else {}
        context, meanwhile, merged = dict(run.context), None, False
        if latest is not None and latest.id != started:
            base = (
                history.result(started, project_id, flow.id) if isinstance(started, int) else None
            )
            theirs = answers_of(latest)
            result = three_way(answers_of(base), answers, theirs, flow.item_of)
            answers, merged = result.answers, True
            context = {k: v for k, v in context.items() if k not in (DEFAULTS, FOCUS)}
            context.update({EDIT: True, BEFORE: theirs, BASE: latest.id})
            meanwhile = Meanwhile(result.conflicts, theirs) if result.conflicts else None
        team = self.team_view(turn, flow, project_id, tools, (turn.user.id, utcnow(), answers))
        if not merged and team is None:
            return Settled(done)
        if team is not None:
            context[TEAM] = team
        again = replace(run, answers=answers if merged else run.answers, context=context)
        return Settled(flow.complete(again, turn.lang), meanwhile, team, again)

    def entering(
        self, turn: Turn, flow: ProjectTool, before: str | None, run: FlowState
    ) -> str | None:
        """When the run moves on to another item that someone else on the team has changed
        since the run started: who, and the answer now (else None)."""
        project_id = project_id_of(run)
        started = run.context.get(BASE, -1)
        if run.step is None or project_id is None or started == -1:
            return None
        item = flow.item_of(run.step)
        if (before is not None and flow.item_of(before) == item) or not flow.has_item(item):
            return None
        history = ProjectHistory(turn.session)
        latest = history.latest(project_id, flow.id)
        if latest is None or latest.id == started:
            return None
        base = history.result(started, project_id, flow.id) if isinstance(started, int) else None
        now = answers_of(latest)
        if by_item(answers_of(base), flow.item_of).get(item) == by_item(now, flow.item_of).get(
            item
        ):
            return None
        who = self.last_changed_by(turn, flow, project_id).get(item)
        return self.texts.text(
            "shared.entering",
            turn.lang,
            name=who or self.texts.text("team.no_name", turn.lang),
            value=flow.item_value(now, item, turn.lang),
        )

    def team_view(
        self,
        turn: Turn,
        flow: ProjectTool,
        project_id: int,
        tools: Iterable[Flow],
        pending: tuple[int, datetime, dict[str, Any]] | None = None,
    ) -> JSON | None:
        """For ``TEAM``: who last changed each item of ``flow`` and, for the coordinator, the
        project's activity log; None when only its coordinator ever worked on the project.
        ``pending``: a result about to be saved (who, when, answers)."""
        project = turn.session.get(Project, project_id)
        if project is None:
            return None
        projects = {t.id: t for t in tools if isinstance(t, ProjectTool)}
        projects[flow.id] = flow
        kept = ProjectHistory(turn.session).kept(project_id, tuple(projects))
        if pending is not None:
            kept[flow.id] = [*kept[flow.id], (0, *pending)]
        names = self.names(turn, project_id)
        authors = {row[1] for rows in kept.values() for row in rows}
        if len(names.team) < 2 and authors <= {project.user_id}:
            return None
        history = {tool: edits(kept[tool], projects[tool].item_of) for tool in projects}
        last = {
            item: f"{names(edit.user_id)}, {show_date(local_date(edit.when))}"
            for item, edit in last_changes(history[flow.id]).items()
        }
        view: JSON = {"last": last}
        if TeamRepository(turn.session).role(project, turn.user.id) == "coordinator":
            view["log"] = self._log(turn, projects, history, names)
        return view

    def _log(
        self,
        turn: Turn,
        tools: dict[str, ProjectTool],
        history: dict[str, list[Edit]],
        names: NameOf,
    ) -> list[list[str]]:
        """The activity log, newest first: when, who, which tool, the items changed."""
        rows = [
            (edit.when, tool, edit)
            for tool, found in history.items()
            for edit in found
            if edit.items
        ]
        rows.sort(key=lambda row: (row[0], row[2].result_id), reverse=True)
        return [
            [
                when.astimezone(ZONE).strftime("%d.%m.%Y %H:%M"),
                names(edit.user_id),
                tools[tool].title.get(turn.lang),
                "; ".join(tools[tool].item_label(item, turn.lang) for item in edit.items),
            ]
            for when, tool, edit in rows[:LOG_ROWS]
        ]

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
        kept: list[Kept] = ProjectHistory(turn.session).kept(project_id, (flow.id,))[flow.id]
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
