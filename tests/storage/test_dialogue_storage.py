"""Storage on SQLite and PostgreSQL: migrations, users, dialogue state, concurrent inputs."""

from __future__ import annotations

import threading

from sqlalchemy import inspect, select

from storage.db import Database
from storage.models import DialogueState, User
from storage.repositories import DialogueRepository, FlowResultRepository, UserRepository

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


def test_dialogue_state_saves_and_bumps_version(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    with db.transaction() as session:
        UserRepository(session).touch(BIG_ID)
        repo = DialogueRepository(session)
        row = repo.lock(BIG_ID)
        snapshot = repo.snapshot(row)
        snapshot.flow = "demo"
        snapshot.state = {
            "flow": "demo",
            "step": "goal",
            "answers": {"topic": "ka2"},
            "history": ["topic"],
            "seq": 2,
        }
        repo.apply(row, snapshot)
    with db.transaction() as session:
        row = session.get(DialogueState, BIG_ID)
        assert row is not None and row.version == 2
        loaded = DialogueRepository.snapshot(row)
        assert loaded.state == {
            "flow": "demo",
            "step": "goal",
            "answers": {"topic": "ka2"},
            "history": ["topic"],
            "seq": 2,
        }
    db.dispose()


def test_concurrent_inputs_for_one_user_are_serialised(database_url: str) -> None:
    """Many threads each add one answer to the same user's state: none is lost."""
    db = Database(database_url)
    db.migrate()
    with db.transaction() as session:
        UserRepository(session).touch(BIG_ID)
    workers, errors = 12, []

    def add_one(i: int) -> None:
        try:
            with db.transaction() as session:
                repo = DialogueRepository(session)
                row = repo.lock(BIG_ID)
                snapshot = repo.snapshot(row)
                state = snapshot.state or {
                    "flow": "demo",
                    "step": "goal",
                    "answers": {},
                    "history": [],
                    "seq": 0,
                }
                answers = dict(state["answers"])
                answers[f"a{i}"] = i
                snapshot.flow = "demo"
                snapshot.state = {**state, "answers": answers, "seq": state["seq"] + 1}
                repo.apply(row, snapshot)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=add_one, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.transaction() as session:
        row = session.get(DialogueState, BIG_ID)
        assert row is not None
        assert row.answers == {f"a{i}": i for i in range(workers)}
        assert row.seq == workers
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
