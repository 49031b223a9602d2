"""The rows one input reads and writes with plain statements: the user and their dialogue state
(``enter``), the processed mark, the question log and the outbox row with its wake-up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm.exc import StaleDataError

from bot.telegram.wakeups import OUTBOX, notify
from storage.db import Database
from storage.delivery import OutboxRepository, ProcessedUpdateRepository, notified
from storage.models import DialogueState, OutboxMessage, QuestionLog, User, utcnow
from storage.repositories import DialogueRepository, QuestionLogRepository, UserRepository, enter

USER = 2**40 + 5  # beyond 32 bits


def _statements(db: Database) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (storage.db)
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return seen


def test_enter_creates_the_user_and_state_then_reads_both_in_one_statement(
    database_url: str,
) -> None:
    db = Database(database_url)
    with db.transaction() as session:
        user, state = enter(session, USER, "lv")
        assert (user.id, user.telegram_language, user.language) == (USER, "lv", None)
        assert (state.user_id, state.version, state.flow, state.answers) == (USER, 1, None, {})
        user.save()
    seen = _statements(db)
    with db.transaction() as session:
        user, state = enter(session, USER, "en-GB")
        assert len(seen) == 1 and "dialogue_states" in seen[0]  # one SELECT for both rows
        assert user.telegram_language == "en-GB" and state.version == 1
        user.save()
    with db.transaction() as session:
        stored = session.get(User, USER)
        assert stored is not None and stored.telegram_language == "en-GB"
    db.dispose()


def test_a_user_row_saves_only_what_changed(database_url: str) -> None:
    db = Database(database_url)
    with db.transaction() as session:
        UserRepository(session).touch(USER)
    seen = _statements(db)
    with db.transaction() as session:
        user, _ = enter(session, USER)
        before = len(seen)
        user.save()  # last_seen was refreshed
        assert len(seen) == before + 1 and "last_seen" in seen[-1]
        user.save()  # nothing new
        assert len(seen) == before + 1
        user.language, user.flood_count = "en", 3
        user.save()
        assert "language" in seen[-1] and "flood_count" in seen[-1] and "last_seen" not in seen[-1]
    with db.transaction() as session:
        stored = session.get(User, USER)
        assert stored is not None and (stored.language, stored.flood_count) == ("en", 3)
    db.dispose()


def test_a_state_write_bumps_the_version_and_refuses_a_stale_one(database_url: str) -> None:
    db = Database(database_url)
    with db.transaction() as session:
        UserRepository(session).touch(USER)
        row = DialogueRepository(session).lock(USER)
        row.write({"flow": "digcomp", "step": "q:1.1", "answers": {"mode": "quick"}})
        assert row.version == 2 and row.flow == "digcomp"
        row.write({})  # nothing changed: no statement, same version
        assert row.version == 2
    with db.transaction() as session:
        stored = session.scalars(select(DialogueState).where(DialogueState.user_id == USER)).one()
        assert (stored.version, stored.step, stored.answers) == (2, "q:1.1", {"mode": "quick"})
        stale = DialogueRepository(session).lock(USER)
        stale.version = 1  # as if read before another input's write
        with pytest.raises(StaleDataError):
            stale.write({"step": "q:1.2"})
    db.dispose()


def test_processed_marks_and_question_log_rows(database_url: str) -> None:
    db = Database(database_url)
    with db.transaction() as session:
        UserRepository(session).touch(USER)
        assert ProcessedUpdateRepository(session).claim(9_000_000_001) is True
        assert ProcessedUpdateRepository(session).claim(9_000_000_001) is False
        first = QuestionLogRepository(session).add(
            user_id=USER, question="x" * 2100, language="lv", outcome="answer",
            entry_id="cove-what", score=0.9,
        )  # fmt: skip
        second = QuestionLogRepository(session).add(
            user_id=USER, question="y", language="en", outcome="none", entry_id=None, score=0.0
        )
        assert second > first
    with db.transaction() as session:
        row = session.get(QuestionLog, first)
        assert row is not None and len(row.question) == 2000 and row.feedback is None
        assert row.entry_id == "cove-what" and utcnow() - row.created_at < timedelta(minutes=1)
    db.dispose()


def test_the_outbox_row_carries_its_wake_up_once_per_transaction(database_url: str) -> None:
    db = Database(database_url)
    postgres = db.dialect == "postgresql"
    seen = _statements(db)
    with db.transaction() as session:
        queued = OutboxRepository(session).add(chat_id=USER, user_id=USER, replies=[{"text": "a"}])
        assert notified(session, OUTBOX) is postgres
        notify(session)  # already sent with the row on PostgreSQL; nothing on SQLite
        assert not any(s.startswith("NOTIFY") for s in seen)
        assert ("pg_notify" in seen[-1]) is postgres
    with db.transaction() as session:
        assert notified(session, OUTBOX) is False  # a new transaction notifies again
        notify(session)
        assert any(s.startswith("NOTIFY") for s in seen) is postgres
        stored = session.get(OutboxMessage, queued.id)
        assert stored is not None and stored.replies == [{"text": "a"}]
    db.dispose()
