"""What a finished run leaves behind: its record in the user's history, its reminders, the
project it created, and its files built (after the flow's pure step decided what to build)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.dialogue import team_reminders
from bot.dialogue.messages import OutFile
from bot.dialogue.projects import ProjectDesk
from bot.dialogue.turn import Turn
from flows import isolation
from flows.dates import reminder_time
from flows.engine import PROJECT, Completion, FileSpec, Flow, FlowState
from knowledge.texts import Catalogue
from storage.models import Project
from storage.repositories import ContactRepository, FlowResultRepository, ReminderRepository
from storage.team import TeamRepository


def build_files(
    specs: Iterable[FileSpec], recipe: Mapping[str, Any] | None = None, *, defer: bool = False
) -> tuple[OutFile, ...]:
    """Each named file built (in the helper process when document isolation is on); with
    ``defer`` and a ``recipe`` (``bot.dialogue.documents``), named with how to build it later
    instead (a document job: its ``index`` and ``filename`` among the result's files added)."""
    if defer and recipe is not None:
        return tuple(
            OutFile(
                spec.filename,
                b"",
                spec.caption,
                spec.is_image,
                job={**recipe, "index": index, "filename": spec.filename},
            )
            for index, spec in enumerate(specs)
        )
    return tuple(
        OutFile(spec.filename, isolation.build(spec.build), spec.caption, spec.is_image)
        for spec in specs
    )


def keep(
    turn: Turn,
    run: FlowState,
    completion: Completion,
    shared_with: tuple[Flow, Catalogue] | None = None,
) -> None:
    """Store what a finished ``run`` asks to keep: its record and reminders, its project. On a
    shared project the reminders go to the people they name (``team_reminders``; ``shared_with``:
    the finished flow and the core's texts)."""
    project = run.context.get(PROJECT)
    project_id = project.get("id") if isinstance(project, dict) else None
    if completion.record is not None:
        FlowResultRepository(turn.session).add(
            turn.user.id, run.flow, completion.record, project_id=project_id
        )
        team = [m.user_id for m in TeamRepository(turn.session).members(project_id or 0)]
        shared = turn.session.get(Project, project_id) if project_id and len(team) > 1 else None
        if shared is not None and shared_with is not None:
            flow, texts = shared_with
            due = team_reminders.addressed(turn, texts, flow, shared, team, completion.reminders)
            ReminderRepository(turn.session).replace_project(run.flow, shared.id, due)
            return
        mine = [
            (r.key, reminder_time(r.due_on), {"lv": r.text.lv, "en": r.text.en})
            for r in completion.reminders
        ]
        ReminderRepository(turn.session).replace(turn.user.id, run.flow, project_id, mine)
    if completion.project is not None:
        ProjectDesk.create(turn, completion.project)
    if completion.contact:
        ContactRepository(turn.session).save(turn.user.id, completion.contact)
