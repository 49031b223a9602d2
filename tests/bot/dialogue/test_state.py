"""The typed dialogue state: its operations, its row on SQLite and PostgreSQL (saved with a
version bump, concurrent inputs serialised), and the migration that split control data out of
a run's answers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from bot.dialogue.state import TOPIC_TTL, DialogueState, load_state, save_state
from flows.engine import FlowState
from storage.db import MIGRATIONS_DIR, Database
from storage.models import DialogueState as DialogueRow
from storage.repositories import DialogueRepository, UserRepository

BIG_ID = 2**40 + 7  # Telegram ids need 64 bits
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _alembic(db: Database, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_sequence_numbers_are_never_reused() -> None:
    state = DialogueState()
    first = state.activate(FlowState("demo", "topic"), fresh_seq=True)
    assert first.seq == 1
    state.pause()
    second = state.activate(FlowState("other", "a"), fresh_seq=True)
    assert second.seq == 2 and state.paused["demo"].seq == 1
    resumed = state.take_paused("demo")
    assert resumed is not None
    state.pause()
    again = state.activate(resumed, fresh_seq=True)
    assert again.seq == 3  # a resumed run's old buttons are stale
    state.finish()
    assert state.active is None and state.next_seq() == 4
    assert state.resumable() == ["other"]


def test_a_topic_is_remembered_for_a_few_minutes() -> None:
    state = DialogueState()
    state.remember_topic("partner-search", NOW)
    assert state.recent_topic(NOW + TOPIC_TTL - timedelta(seconds=1)) == "partner-search"
    assert state.recent_topic(NOW + TOPIC_TTL + timedelta(seconds=1)) is None


def test_dialogue_state_saves_and_bumps_version(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    run = FlowState(
        "demo", "goal", answers={"topic": "ka2"}, history=("topic",), seq=2, context={"then": "x"}
    )
    paused = FlowState("risks", "s:a", answers={"s:a": "no"}, seq=1, context={"project": {}})
    with db.transaction() as session:
        UserRepository(session).touch(BIG_ID)
        row = DialogueRepository(session).lock(BIG_ID)
        state = load_state(row)
        assert state == DialogueState()
        state.active, state.paused = run, {"risks": paused}
        state.remember_topic("cove-what", NOW)
        save_state(row, state)
    with db.transaction() as session:
        row = session.get(DialogueRow, BIG_ID)
        assert row is not None and row.version == 2
        assert row.answers == {"topic": "ka2"} and row.context == {"then": "x"}
        loaded = load_state(row)
        assert loaded.active == run and loaded.paused == {"risks": paused}
        assert loaded.recent_topic(NOW) == "cove-what"
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
                row = DialogueRepository(session).lock(BIG_ID)
                state = load_state(row)
                run = state.active or FlowState("demo", "goal", seq=0)
                state.activate(
                    FlowState("demo", "goal", {**run.answers, f"a{i}": i}, seq=run.seq + 1)
                )
                save_state(row, state)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=add_one, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.transaction() as session:
        row = session.get(DialogueRow, BIG_ID)
        assert row is not None
        assert row.answers == {f"a{i}": i for i in range(workers)}
        assert row.seq == workers
    db.dispose()


def test_migration_moves_control_keys_from_answers_to_the_context(empty_database_url: str) -> None:
    """Rows written before 0005 kept "_project", "_then", … inside the answers."""
    db = Database(empty_database_url)
    _alembic(db, "0004")
    old_paused = (
        '{"risks": {"flow": "risks", "step": "s:a", "seq": 3, "history": [], '
        '"answers": {"s:a": "no", "_project": {"id": 1, "name": "P"}, "_edit": true}}}'
    )
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO users (id, first_seen, last_seen) VALUES (:id, :now, :now)"),
            {"id": BIG_ID, "now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO dialogue_states (user_id, flow, step, answers, history, seq, paused,"
                " version, updated_at) VALUES (:id, 'digcomp', 'q:1.1', :answers, '[]', 4,"
                " :paused, 1, :now)"
            ),
            {
                "id": BIG_ID,
                "answers": '{"mode": "quick", "_preset": true}',
                "paused": old_paused,
                "now": NOW,
            },
        )
    db.migrate()
    with db.transaction() as session:
        row = session.get(DialogueRow, BIG_ID)
        assert row is not None
        state = load_state(row)
    assert state.active is not None
    assert state.active.answers == {"mode": "quick"}
    assert state.active.context == {"preset": True}
    risks = state.paused["risks"]
    assert risks.answers == {"s:a": "no"}
    assert risks.context == {"project": {"id": 1, "name": "P"}, "edit": True}
    _alembic(db, "0004", down=True)
    with db.engine.connect() as conn:
        answers = conn.execute(text("SELECT answers FROM dialogue_states")).scalar_one()
    assert "_preset" in str(answers)
    db.dispose()
