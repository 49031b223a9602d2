"""Webhook delivery bookkeeping: which updates were processed, and the outbox of replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, exists, func, select, update
from sqlalchemy.orm import Session

from storage.models import DocumentJob, OutboxMessage, ProcessedUpdate, utcnow
from storage.repositories import insert_ignoring_conflict


class ProcessedUpdateRepository:
    """Marks Telegram updates as processed, once."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, update_id: int) -> bool:
        """True the first time ``update_id`` is seen; False when it was (or is being) processed.

        On PostgreSQL a concurrent transaction claiming the same id makes this wait until that
        one commits (then False) or rolls back (then True).
        """
        statement = insert_ignoring_conflict(
            self.session, ProcessedUpdate, update_id=update_id, processed_at=utcnow()
        ).returning(ProcessedUpdate.update_id)
        return self.session.execute(statement).scalar() is not None

    def forget_before(self, cutoff: datetime) -> int:
        """Drop marks older than ``cutoff`` (Telegram stops re-sending after a day)."""
        statement = delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
        return cast(CursorResult[Any], self.session.execute(statement)).rowcount or 0


class OutboxRepository:
    """Replies waiting to be sent, oldest first."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        chat_id: int,
        user_id: int,
        replies: list[dict[str, Any]],
        callback_query_id: str | None = None,
        edit_message_id: int | None = None,
    ) -> OutboxMessage:
        row = OutboxMessage(
            chat_id=chat_id,
            user_id=user_id,
            replies=replies,
            callback_query_id=callback_query_id,
            edit_message_id=edit_message_id,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def waiting(self, limit: int = 500) -> list[tuple[int, int, bool]]:
        """(id, chat id, ready) of the oldest waiting messages, oldest first (no payloads:
        cheap); a message is not ready while one of its documents is still to be built."""
        building = exists().where(
            DocumentJob.outbox_id == OutboxMessage.id, DocumentJob.state == "waiting"
        )
        query = select(OutboxMessage.id, OutboxMessage.chat_id, ~building).order_by(
            OutboxMessage.id
        )
        return [
            (row_id, chat_id, bool(ready))
            for row_id, chat_id, ready in self.session.execute(query.limit(limit))
        ]

    def get_many(self, ids: list[int]) -> list[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        return list(self.session.scalars(query))

    def update_waiting(
        self,
        row_id: int,
        *,
        replies: list[dict[str, Any]],
        callback_query_id: str | None,
        edit_message_id: int | None,
    ) -> None:
        """Keep only what is still to be sent of a partly delivered message."""
        self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(
                replies=replies,
                callback_query_id=callback_query_id,
                edit_message_id=edit_message_id,
            )
        )

    def remove(self, ids: list[int]) -> None:
        self.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))

    def oldest(self) -> datetime | None:
        """When the oldest waiting message was queued (None when nothing waits)."""
        return self.session.scalar(select(func.min(OutboxMessage.created_at)))

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
