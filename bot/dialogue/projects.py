"""/projects: a user's projects as buttons, switching the active one, a project's card (rename,
change dates, archive, delete after a confirmation), and the project a coordinator tool works
on (handed to flows as plain JSON)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from bot.dialogue import callbacks
from bot.dialogue.messages import Button, Reply
from bot.dialogue.turn import Turn
from flows.dates import local_date, show_date
from flows.engine import PROJECT, Flow, Start
from flows.projects import CHANGE
from knowledge.texts import Catalogue
from storage.models import Project, utcnow
from storage.repositories import ProjectRepository
from storage.team import TeamRepository

if TYPE_CHECKING:
    from bot.dialogue.flow_runner import FlowRunner

PROJECT_FLOW = "project"
PAGE_SIZE = 20  # projects a page: with the page, new-project and menu buttons far below 100
CARD_ACTIONS = ("name", "dates", "archive", "delete")  # the card's buttons
NEWS_SHOWN = 5  # "since your last visit": at most this many results named


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
        shown = sorted(projects, key=lambda p: p.archived)  # the archive at the end
        for project in shown[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
            active = ProjectRepository(turn.session).is_active(turn.user.id, project)
            mark = "✅ " if active else "🗄 " if project.archived else ""
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
        """Make one of the user's projects (own or joined) active and show its card (an
        archived one: its card only; ``p<n>``: show page n of the list); anything else is
        refused."""
        if project_id.startswith("p") and project_id[1:].isdigit():
            return [self.listing(turn, edit=True, page=int(project_id[1:]))]
        repository = ProjectRepository(turn.session)
        found = repository.visible(turn.user.id, int(project_id)) if project_id.isdigit() else None
        if found is None:
            return [self._refused(turn)]
        project = found
        if project.archived:
            return [self.card(turn, project)]
        repository.activate(turn.user.id, project.id)
        turn.active_project = None
        note = self.texts.text("projects.activated", turn.lang, name=project.name)
        replies = [Reply(note, notice=True), self.card(turn, project)]
        news = self._news(turn, project)
        return [*replies, Reply(news)] if news else replies

    def _news(self, turn: Turn, project: Project) -> str | None:
        """ "Since your last visit": what others on the team finished, newest first."""
        changes = TeamRepository(turn.session).visit(project, turn.user.id, utcnow())
        if not changes:
            return None
        t = self.texts.text
        parts = []
        for change in changes[:NEWS_SHOWN]:
            who = change.name if change.on_team else None
            who = who or t("team.former" if not change.on_team else "team.no_name", turn.lang)
            try:
                title = t(f"commands.{change.flow}", turn.lang)
            except KeyError:  # a tool without a command of its own
                title = change.flow
            when = show_date(local_date(change.when))
            parts.append(t("team.news_item", turn.lang, flow=title, name=who, date=when))
        return t("team.news", turn.lang, changes="; ".join(parts))

    def _refused(self, turn: Turn) -> Reply:
        return Reply(self.texts.text("input.invalid_button", turn.lang), notice=True)

    def card(self, turn: Turn, project: Project) -> Reply:
        """One project with what can be done to it."""
        t = self.texts.text
        actions: tuple[str, ...] = ("unarchive", "delete") if project.archived else CARD_ACTIONS
        if project.user_id != turn.user.id:  # on the team, not its coordinator: no changes
            actions = ()
        rows = [
            (Button(t(f"projects.card.{a}", turn.lang), callbacks.encode("pj", a, project.id)),)
            for a in actions
        ]
        rows.append(
            (Button(t("team.button.team", turn.lang), callbacks.encode("tm", "show", project.id)),)
        )
        rows.append(
            (Button(t("projects.card.back", turn.lang), callbacks.encode("menu", "projects")),)
        )
        key = "projects.card.archived" if project.archived else "projects.card.title"
        text = t(key, turn.lang, project=self._describe(project, turn.lang))
        return Reply(text, buttons=tuple(rows), edit=True)

    def act(self, turn: Turn, action: str, project_id: str, runner: FlowRunner) -> None:
        """A button on a project's card (only the user's own projects)."""
        repository = ProjectRepository(turn.session)
        project = repository.get(turn.user.id, int(project_id)) if project_id.isdigit() else None
        t = self.texts.text
        if project is None:
            turn.say(self._refused(turn))
        elif action in ("name", "dates"):
            change = {**project_json(project), "part": action}
            runner.start_flow(turn, PROJECT_FLOW, Start(context={CHANGE: change}))
        elif action in ("archive", "unarchive"):
            repository.archive(turn.user.id, project.id, archived=action == "archive")
            turn.active_project = None
            note = t(f"projects.{action}d", turn.lang, name=project.name)
            turn.say(Reply(note, notice=True))
            turn.say(self.listing(turn, edit=True))
        elif action == "delete":
            rows = (
                (
                    Button(
                        t("projects.delete_yes", turn.lang),
                        callbacks.encode("pj", "deleteok", project.id),
                    ),
                ),
                (Button(t("projects.delete_no", turn.lang), callbacks.encode("proj", project.id)),),
            )
            text = t("projects.delete_confirm", turn.lang, name=project.name)
            turn.say(Reply(text, buttons=rows, edit=True))
        elif action == "deleteok":
            self._forget_runs(turn, project.id)
            repository.delete(turn.user.id, project.id)
            turn.active_project = None
            turn.say(Reply(t("projects.deleted", turn.lang, name=project.name), notice=True))
            turn.say(self.listing(turn, edit=True))
        else:
            turn.say(self._refused(turn))

    @staticmethod
    def _forget_runs(turn: Turn, project_id: int) -> None:
        """Unfinished tool runs on a project being deleted go with it."""

        def on_it(context: dict[str, Any]) -> bool:
            project = context.get(PROJECT)
            return isinstance(project, dict) and project.get("id") == project_id

        dialogue = turn.dialogue
        for flow_id, run in list(dialogue.paused.items()):
            if on_it(run.context):
                dialogue.take_paused(flow_id)
        if dialogue.active is not None and on_it(dialogue.active.context):
            dialogue.finish()

    @staticmethod
    def active(turn: Turn) -> dict[str, Any] | None:
        """The user's active project (looked up once per input)."""
        if turn.active_project is None:
            project = ProjectRepository(turn.session).active(turn.user.id)
            turn.active_project = project_json(project) if project else {}
        return turn.active_project or None

    @staticmethod
    def create(turn: Turn, data: dict[str, Any]) -> Project | None:
        """A new project, made active; with an ``id``, that project renamed or re-dated."""
        turn.active_project = None
        if data.get("id") is not None:
            changes: dict[str, Any] = {}
            if "name" in data:
                changes["name"] = str(data["name"])[:120]
            for field in ("starts_on", "ends_on"):
                if field in data:
                    value = data[field]
                    changes[field] = date.fromisoformat(value) if value else None
            return ProjectRepository(turn.session).update(turn.user.id, int(data["id"]), **changes)
        values = {
            "name": str(data["name"])[:120],
            "action": str(data["action"]),
            "role": str(data["role"]),
            "starts_on": date.fromisoformat(data["starts_on"]) if data.get("starts_on") else None,
            "ends_on": date.fromisoformat(data["ends_on"]) if data.get("ends_on") else None,
        }
        return ProjectRepository(turn.session).add(
            turn.user.id, first_name=turn.input.first_name, **values
        )
