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
PAGE_SIZE = 20  # projects a page: with the page, new-project and menu buttons far below 100


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

    def listing(self, turn: Turn, *, edit: bool = False, page: int = 0) -> Reply:
        """The user's projects, ``PAGE_SIZE`` a page (Telegram takes at most 100 buttons)."""
        projects = ProjectRepository(turn.session).for_user(turn.user.id)
        pages = max(1, -(-len(projects) // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        rows: list[tuple[Button, ...]] = []
        for project in projects[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
            mark = "✅ " if project.active else ""
            label = f"{mark}{self._describe(project, turn.lang)}"[:60]
            rows.append((Button(label, callbacks.encode("proj", project.id)),))
        if pages > 1:
            turns = [(page - 1, "◀️"), (page + 1, "▶️")]
            rows.append(
                tuple(
                    Button(f"{arrow} {target + 1}/{pages}", callbacks.encode("proj", f"p{target}"))
                    for target, arrow in turns
                    if 0 <= target < pages
                )
            )
        if self.setup is not None:
            new = self.texts.text("projects.new", turn.lang)
            rows.append((Button(new, callbacks.encode("menu", PROJECT_FLOW)),))
        rows.append(
            (Button(self.texts.text("menu.main", turn.lang), callbacks.encode("menu", "main")),)
        )
        key = "projects.title" if projects else "projects.none"
        return Reply(self.texts.text(key, turn.lang), buttons=tuple(rows), edit=edit)

    def activate(self, turn: Turn, project_id: str) -> list[Reply]:
        """Make one of the user's own projects active (``p<n>``: show page n); anything else is
        refused."""
        if project_id.startswith("p") and project_id[1:].isdigit():
            return [self.listing(turn, edit=True, page=int(project_id[1:]))]
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
