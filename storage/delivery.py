"""Webhook delivery bookkeeping: which updates were processed, and the outbox of replies.

Both writes an update makes here (its processed mark, its outbox row) are single Core
statements on the session's connection: no ORM object is built or flushed for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Insert, Table, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from storage.models import DocumentJob, OutboxMessage, ProcessedUpdate, utcnow

OUTBOX = cast(Table, OutboxMessage.__table__)
PROCESSED = cast(Table, ProcessedUpdate.__table__)
NOTIFIED = "notified"  # ``session.info`` key: the channels a transaction has notified already
OUTBOX_CHANNEL = "celvedis_outbox"  # bot.telegram.wakeups.OUTBOX


_QUEUE = insert(OUTBOX).returning(OUTBOX.c.id)
_QUEUE_AND_NOTIFY = insert(OUTBOX).returning(OUTBOX.c.id, func.pg_notify(OUTBOX_CHANNEL, ""))
_CLAIMS: dict[str, Insert] = {}  # dialect name -> INSERT … ON CONFLICT DO NOTHING RETURNING


def _claim_statement(dialect: str) -> Insert:
    """The processed-update claim for ``dialect``, built once."""
    statement = _CLAIMS.get(dialect)
    if statement is None:
        if dialect == "postgresql":  # each dialect's module loaded on use
            from sqlalchemy.dialects import postgresql as module
        else:
            from sqlalchemy.dialects import sqlite as module  # type: ignore[no-redef]
        insert_ignoring = module.insert(PROCESSED).on_conflict_do_nothing()
        statement = _CLAIMS[dialect] = insert_ignoring.returning(PROCESSED.c.update_id)
    return statement


@dataclass(frozen=True)
class Queued:
    """An outbox row just written: its id (document jobs refer to it)."""

    id: int


def mark_notified(session: Session, channel: str) -> None:
    """Remember that the session's current transaction has sent ``channel``'s notification."""
    transaction = session.get_transaction()
    done = session.info.get(NOTIFIED)
    if done is None or done[0] is not transaction:
        session.info[NOTIFIED] = done = (transaction, set[str]())
    done[1].add(channel)


def notified(session: Session, channel: str) -> bool:
    """Whether the session's current transaction has sent ``channel``'s notification."""
    done = session.info.get(NOTIFIED)
    return done is not None and done[0] is session.get_transaction() and channel in done[1]


class ProcessedUpdateRepository:
    """Marks Telegram updates as processed, once."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, update_id: int) -> bool:
        """True the first time ``update_id`` is seen; False when it was (or is being) processed.

        On PostgreSQL a concurrent transaction claiming the same id makes this wait until that
        one commits (then False) or rolls back (then True).
        """
        connection = self.session.connection()
        statement = _claim_statement(connection.dialect.name)
        row = connection.execute(statement, {"update_id": update_id, "processed_at": utcnow()})
        return row.scalar() is not None

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
    ) -> Queued:
        """Queue one input's replies (one INSERT). On PostgreSQL the same statement sends the
        sender's wake-up (``NOTIFY celvedis_outbox``, delivered on commit) and the transaction
        remembers it, so ``bot.telegram.wakeups.notify`` sends no second one."""
        values = {
            "chat_id": chat_id,
            "user_id": user_id,
            "replies": replies,
            "callback_query_id": callback_query_id,
            "edit_message_id": edit_message_id,
            "created_at": utcnow(),
        }
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            row_id: int = connection.execute(_QUEUE_AND_NOTIFY, values).scalar_one()
            mark_notified(self.session, OUTBOX_CHANNEL)
        else:
            row_id = connection.execute(_QUEUE, values).scalar_one()
        return Queued(int(row_id))

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
