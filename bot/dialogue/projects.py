"""/projects: a user's projects as buttons, switching the active one, and the project a
coordinator tool works on (handed to flows as plain JSON)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.dialogue import callbacks
from bot.dialogue.messages import Button, Reply
from bot.dialogue.turn import Turn
from flows.engine import Flow
from knowledge.texts import Catalogue
from storage.models import Project
from storage.repositories import ProjectRepository

PROJECT_FLOW = "project"


def project_json(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "action": project.action,
        "role": project.role,
        "starts_on": project.starts_on.isoformat() if project.starts_on else None,
        "ends_on": project.ends_on.isoformat() if project.ends_on else None,
    }


class ProjectDesk:
    """The core's project commands; ``setup`` is the project set-up flow (for its texts)."""

    def __init__(self, texts: Catalogue, setup: Flow | None) -> None:
        self.texts = texts
        self.setup = setup

    def _describe(self, project: Project, lang: str) -> str:
        describe = getattr(self.setup, "describe", None)
        data = project_json(project)
        return describe(data, lang) if describe else project.name

    def listing(self, turn: Turn, *, edit: bool = False) -> Reply:
        projects = ProjectRepository(turn.session).for_user(turn.user.id)
        rows: list[tuple[Button, ...]] = []
        for project in projects:
            mark = "✅ " if project.active else ""
            label = f"{mark}{self._describe(project, turn.lang)}"[:60]
            rows.append((Button(label, callbacks.encode("proj", project.id)),))
        if self.setup is not None:
            new = self.texts.text("projects.new", turn.lang)
            rows.append((Button(new, callbacks.encode("menu", PROJECT_FLOW)),))
        rows.append(
            (Button(self.texts.text("menu.main", turn.lang), callbacks.encode("menu", "main")),)
        )
        key = "projects.title" if projects else "projects.none"
        return Reply(self.texts.text(key, turn.lang), buttons=tuple(rows), edit=edit)

    def activate(self, turn: Turn, project_id: str) -> list[Reply]:
        """Make one of the user's own projects active; anything else is refused."""
        chosen = None
        if project_id.isdigit():
            chosen = ProjectRepository(turn.session).activate(turn.user.id, int(project_id))
            turn.active_project = None
        if chosen is None:
            return [Reply(self.texts.text("input.invalid_button", turn.lang), notice=True)]
        note = self.texts.text("projects.activated", turn.lang, name=chosen.name)
        return [Reply(note, notice=True), self.listing(turn, edit=True)]

    @staticmethod
    def active(turn: Turn) -> dict[str, Any] | None:
        """The user's active project (looked up once per input)."""
        if turn.active_project is None:
            project = ProjectRepository(turn.session).active(turn.user.id)
            turn.active_project = project_json(project) if project else {}
        return turn.active_project or None

    @staticmethod
    def create(turn: Turn, data: dict[str, Any]) -> Project:
        values = {
            "name": str(data["name"])[:120],
            "action": str(data["action"]),
            "role": str(data["role"]),
            "starts_on": date.fromisoformat(data["starts_on"]) if data.get("starts_on") else None,
            "ends_on": date.fromisoformat(data["ends_on"]) if data.get("ends_on") else None,
        }
        turn.active_project = None  # the new project is the active one now
        return ProjectRepository(turn.session).add(turn.user.id, **values)
