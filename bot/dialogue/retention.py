"""Retention: questions kept for editors lose their user link after a set time, and webhook
update marks are dropped once Telegram can no longer re-send them. Run by the webhook's leader
and by the polling bot's loop."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.dialogue.privacy import QUESTION_RETENTION_DAYS
from storage.db import Database
from storage.delivery import ProcessedUpdateRepository
from storage.models import utcnow
from storage.privacy import unlink_old_questions

log = logging.getLogger(__name__)

UPDATE_MARKS_KEPT = timedelta(days=2)  # Telegram gives up re-sending an update after a day


def apply_retention(db: Database, question_days: int = QUESTION_RETENTION_DAYS) -> None:
    with db.transaction() as session:
        unlinked = unlink_old_questions(session, utcnow() - timedelta(days=question_days))
        dropped = ProcessedUpdateRepository(session).forget_before(utcnow() - UPDATE_MARKS_KEPT)
    if unlinked or dropped:
        log.info("retention: %d questions unlinked, %d update marks dropped", unlinked, dropped)
