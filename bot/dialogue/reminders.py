"""Delivering due reminders. They live in the database, so nothing needs re-scheduling after a
restart: a loop (Telegram), the webhook's leader or each input (terminal) asks for what is due
and claims it once. A user's reminders due on the same day come as one short message with a
button per project tool to review them (``rv:<flow id>:<project id>``, checked when pressed)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dialogue import callbacks
from bot.dialogue.messages import Button, Reply
from bot.dialogue.turn import Turn
from flows.dates import local_date
from flows.registry import FlowRegistry
from knowledge.texts import DEFAULT_LANGUAGE, Catalogue
from storage.db import Database
from storage.models import Project, Reminder, User, utcnow
from storage.repositories import ProjectRepository, ReminderRepository

log = logging.getLogger(__name__)

CHECK_EVERY = 60.0  # seconds between checks in the Telegram loop
MAX_LINES = 15  # a day's reminders in one message that fits a phone screen
SUBJECT_CHARS = 90  # a listed reminder's subject is cut to this
MAX_BUTTONS = 5  # review buttons under one message (one per project tool)
KIND = "rv"  # rv:<flow id>:<project id>


@dataclass(frozen=True)
class DueReminder:
    """One message of due reminders for a user: its text and review buttons."""

    user_id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())

    @property
    def reply(self) -> Reply:
        return Reply(self.text, buttons=self.buttons)


@dataclass
class _Section:
    """A day's reminders of one tool on one project."""

    flow: str
    project_id: int | None
    lines: list[str] = field(default_factory=list)


class ReminderDesk:
    """Claims due reminders, words them in each user's language, and opens a review from a
    reminder's button."""

    def __init__(self, db: Database, texts: Catalogue, flows: FlowRegistry | None = None) -> None:
        self.db = db
        self.texts = texts
        self.flows = flows

    def claim_due(
        self,
        now: datetime | None = None,
        user_id: int | None = None,
        before_commit: Callable[[Session, list[DueReminder]], None] | None = None,
    ) -> list[DueReminder]:
        """Due reminders, each claimed once (marked sent in the same transaction, in which
        ``before_commit`` may queue them for sending); a user's reminders due on the same day
        come as one message."""
        moment = now or utcnow()
        with self.db.transaction() as session:
            rows = ReminderRepository(session).claim_due(moment, user_id=user_id)
            ids = {row.user_id for row in rows}
            query = select(User.id, User.language).where(User.id.in_(ids))
            languages = dict(session.execute(query).all())
            project_ids = {row.project_id for row in rows if row.project_id is not None}
            names = dict(
                session.execute(
                    select(Project.id, Project.name).where(Project.id.in_(project_ids))
                ).all()
            )
            days: dict[tuple[int, date], list[Reminder]] = {}
            for row in rows:
                days.setdefault((row.user_id, local_date(row.due_at)), []).append(row)
            due = [
                self._message(user, day_rows, languages.get(user) or DEFAULT_LANGUAGE, names)
                for (user, _day), day_rows in days.items()
            ]
            if before_commit is not None and due:
                before_commit(session, due)
            return due

    # ---- wording -----------------------------------------------------------------------
    def _body(self, row: Reminder, lang: str) -> str:
        return str(row.text.get(lang) or row.text.get(DEFAULT_LANGUAGE) or "")

    def _message(
        self, user_id: int, rows: list[Reminder], lang: str, names: dict[int, str]
    ) -> DueReminder:
        """One day's reminders of one user: a single one as it is; several listed by project
        and tool, at most ``MAX_LINES`` lines; a review button per project tool."""
        t = self.texts.text
        sections: dict[tuple[str, int | None], _Section] = {}
        for row in rows:
            section = sections.setdefault(
                (row.flow, row.project_id), _Section(row.flow, row.project_id)
            )
            section.lines.append(self._subject(row, lang))
        buttons = self._buttons(list(sections.values()), lang, names)
        if len(rows) == 1:
            text = f"{t('reminder.prefix', lang)} {self._body(rows[0], lang)}"
            return DueReminder(user_id, text, buttons)
        lines = [t("reminder.several", lang, count=len(rows))]
        items: list[tuple[str, bool]] = []  # (line, is an item)
        for section in sections.values():
            name = names.get(section.project_id) if section.project_id is not None else None
            if name is not None:
                tool = self._tool(section.flow, lang)
                items.append((t("reminder.section", lang, project=name, tool=tool), False))
            items.extend((f"• {line}", True) for line in section.lines)
        if len(lines) + len(items) > MAX_LINES:
            shown = items[: MAX_LINES - len(lines) - 1]
            while shown and not shown[-1][1]:  # no heading without an item under it
                shown.pop()
            left = sum(is_item for _, is_item in items) - sum(is_item for _, is_item in shown)
            items = [*shown, (t("reminder.more", lang, count=left), False)]
        lines.extend(line for line, _ in items)
        return DueReminder(user_id, "\n".join(lines), buttons)

    def _subject(self, row: Reminder, lang: str) -> str:
        """What a listed reminder is about: the flow's short name for it, else its text."""
        flow = self.flows.get(row.flow) if self.flows is not None else None
        subject = flow.reminder_subject(row.key, lang) if flow is not None else None
        subject = subject or self._body(row, lang)
        return subject if len(subject) <= SUBJECT_CHARS else subject[: SUBJECT_CHARS - 1] + "…"

    def _tool(self, flow_id: str, lang: str) -> str:
        flow = self.flows.get(flow_id) if self.flows is not None else None
        return flow.title.get(lang) if flow is not None else flow_id

    def _buttons(
        self, sections: list[_Section], lang: str, names: dict[int, str]
    ) -> tuple[tuple[Button, ...], ...]:
        """A review button for each project tool that has a review, one a row."""
        rows: list[tuple[Button, ...]] = []
        targets = [
            s
            for s in sections
            if s.project_id is not None and s.project_id in names and self._reviewable(s.flow)
        ]
        several = len(targets) > 1
        for section in targets[:MAX_BUTTONS]:
            assert section.project_id is not None
            try:
                label = self.texts.text(f"reminder.review.{section.flow}", lang)
            except KeyError:  # a tool without a label of its own
                label = self.texts.text("reminder.review_any", lang)
            if several:
                label = f"{label} · {names[section.project_id]}"[:40]
            data = callbacks.encode(KIND, section.flow, section.project_id)
            rows.append((Button(label, data),))
        return tuple(rows)

    def _reviewable(self, flow_id: str) -> bool:
        flow = self.flows.get(flow_id) if self.flows is not None else None
        return flow is not None and flow.needs_project and flow.review_start is not None

    # ---- the review button -------------------------------------------------------------
    def review(self, turn: Turn, flow_id: str, project_id: str, open_review: Opener) -> None:
        """``rv:<flow>:<project>``: make the project active and open the tool's review on it,
        when the user is still on that project's team (viewers are refused by the tool itself);
        a forged or stale button gets a friendly note and changes nothing."""
        flow = self.flows.get(flow_id) if self.flows is not None else None
        repository = ProjectRepository(turn.session)
        project = (
            repository.visible(turn.user.id, int(project_id)) if project_id.isdigit() else None
        )
        if flow is None or flow.review_start is None or not flow.needs_project:
            turn.say(Reply(self.texts.text("input.invalid_button", turn.lang), notice=True))
            return
        if project is None or project.archived:
            turn.say(Reply(self.texts.text("reminder.review_gone", turn.lang)))
            return
        repository.activate(turn.user.id, project.id)
        turn.active_project = None
        open_review(turn, flow.id, flow.review_start)


Opener = Callable[[Turn, str, str], None]  # (turn, flow id, landing argument)


async def deliver_forever(
    desk: ReminderDesk,
    send: Callable[[DueReminder], Awaitable[None]],
    every: float = CHECK_EVERY,
    tidy: Callable[[], None] | None = None,
) -> None:
    """Check for due reminders every ``every`` seconds and send them (the polling bot's loop);
    ``tidy`` (retention) runs alongside."""
    while True:
        try:
            for reminder in await asyncio.to_thread(desk.claim_due):
                await send(reminder)
            if tidy is not None:
                await asyncio.to_thread(tidy)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivering reminders failed; trying again later")
        await asyncio.sleep(every)
