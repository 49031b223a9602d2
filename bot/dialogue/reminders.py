"""Delivering due reminders. They live in the database, so nothing needs re-scheduling after a
restart: a loop (Telegram) or each input (terminal) asks for what is due and claims it once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.dates import local_date
from knowledge.texts import DEFAULT_LANGUAGE, Catalogue
from storage.db import Database
from storage.models import User, utcnow
from storage.repositories import ReminderRepository

log = logging.getLogger(__name__)

CHECK_EVERY = 60.0  # seconds between checks in the Telegram loop


@dataclass(frozen=True)
class DueReminder:
    user_id: int
    text: str


class ReminderDesk:
    """Claims due reminders and words them in each user's language."""

    def __init__(self, db: Database, texts: Catalogue) -> None:
        self.db = db
        self.texts = texts

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
            # One message per user and day: reminders due on the same day come together.
            days: dict[tuple[int, date], list[str]] = {}
            for row in rows:
                lang = languages.get(row.user_id) or DEFAULT_LANGUAGE
                body = row.text.get(lang) or row.text.get(DEFAULT_LANGUAGE) or ""
                days.setdefault((row.user_id, local_date(row.due_at)), []).append(body)
            due = []
            for (user, _day), bodies in days.items():
                lang = languages.get(user) or DEFAULT_LANGUAGE
                if len(bodies) == 1:
                    text = f"{self.texts.text('reminder.prefix', lang)} {bodies[0]}"
                else:
                    heading = self.texts.text("reminder.several", lang, count=len(bodies))
                    text = "\n\n".join([heading, *(f"• {body}" for body in bodies)])
                due.append(DueReminder(user, text))
            if before_commit is not None and due:
                before_commit(session, due)
            return due


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
