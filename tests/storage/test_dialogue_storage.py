"""Storage on SQLite and PostgreSQL: migrations, users, flow results (the dialogue state's
row and its typed view: tests/bot/dialogue/test_state.py)."""

from __future__ import annotations

from sqlalchemy import inspect, select

from storage.db import Database
from storage.models import User
from storage.repositories import FlowResultRepository, UserRepository

BIG_ID = 2**40 + 7  # Telegram ids need 64 bits


def test_migrations_create_tables_and_are_idempotent(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    db.migrate()
    db.migrate()
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "dialogue_states", "flow_results", "alembic_version"} <= tables
    db.dispose()


def test_user_is_created_once_with_64_bit_id(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    with db.transaction() as session:
        user = UserRepository(session).touch(BIG_ID, "lv")
        first_seen = user.first_seen
    with db.transaction() as session:
        user = UserRepository(session).touch(BIG_ID)
        assert user.telegram_language == "lv" and user.first_seen == first_seen
        assert session.scalar(select(User.id)) == BIG_ID
    db.dispose()


def test_flow_results_newest_first(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    with db.transaction() as session:
        UserRepository(session).touch(5)
        results = FlowResultRepository(session)
        results.add(5, "demo", {"n": 1})
        results.add(5, "demo", {"n": 2})
        results.add(5, "other", {"n": 3})
    with db.transaction() as session:
        latest = FlowResultRepository(session).latest(5, "demo", limit=5)
        assert [r.data["n"] for r in latest] == [2, 1]
    db.dispose()
