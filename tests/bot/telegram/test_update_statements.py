"""The SQL statements one webhook update costs (issue 15, target 4), pinned for a question and
a button press so that a change adding a query to every update is seen: on PostgreSQL the
update's processed mark is claimed in the statement that reads and locks the user, and the
user's changes are written in the statement that writes the dialogue state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Reply
from bot.telegram.updates import to_input
from bot.telegram.webhook import outbox_writer
from storage.models import DialogueState, OutboxMessage, ProcessedUpdate, QuestionLog, User
from tests.bot.fake_telegram import callback_update, message_update
from tests.bot.helpers import buttons, send
from tests.conftest import build_test_dialogue

USER = 7_000_001


@pytest.fixture
def dialogue(database_url: str) -> Iterator[Dialogue]:
    built = build_test_dialogue(database_url)
    yield built
    built.db.dispose()


def _post(dialogue: Dialogue, payload: dict[str, Any]) -> tuple[bool, list[str]]:
    """Handle one update as the webhook does; whether it was new, and the statements sent."""
    inp = to_input(payload, None)
    assert inp is not None
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (storage.db)
            seen.append(" ".join(statement.split()))

    event.listen(dialogue.db.engine, "before_cursor_execute", record)
    try:
        done = dialogue.handle_update(inp, payload["update_id"], outbox_writer(payload))
    finally:
        event.remove(dialogue.db.engine, "before_cursor_execute", record)
    return done, seen


def _known_user(dialogue: Dialogue) -> list[Reply]:
    """A user who has chosen a language and is at the first step of the demo flow (their first
    name, which Telegram sends with every update, confirmed by this worker)."""
    assert _post(dialogue, message_update(USER, "/start"))[0]
    send(dialogue, "button", "lang:lv", USER)
    return send(dialogue, "command", "/demo", USER)


def _state(dialogue: Dialogue) -> tuple[int, str | None, str | None, Any]:
    with dialogue.db.transaction() as session:
        state = session.scalars(select(DialogueState).where(DialogueState.user_id == USER)).one()
        user = session.get(User, USER)
        assert user is not None
        return state.version, state.topic, state.step, user.last_seen


def test_a_question_costs_four_statements_on_postgresql(dialogue: Dialogue) -> None:
    _known_user(dialogue)
    send(dialogue, "command", "/cancel", USER)  # a question outside a tool sets the topic
    version, topic, _, last_seen = _state(dialogue)
    assert topic is None
    done, seen = _post(dialogue, message_update(USER, "kas ir CoVE?"))
    assert done
    if dialogue.db.dialect == "postgresql":
        claim_and_read, log, user_and_state, outbox = seen
        assert "INSERT INTO processed_updates" in claim_and_read
        assert "FROM users" in claim_and_read and "FOR NO KEY UPDATE" in claim_and_read
        assert "UPDATE users" in user_and_state and "UPDATE dialogue_states" in user_and_state
    else:
        claim, read, log, user, state, outbox = seen
        assert claim.startswith("INSERT INTO processed_updates")
        assert read.startswith("SELECT users.id")
        assert user.startswith("UPDATE users") and state.startswith("UPDATE dialogue_states")
    assert log.startswith("INSERT INTO question_log") and outbox.startswith("INSERT INTO outbox")
    # both rows were written: the answer's topic, and the user's last contact
    new_version, new_topic, _, new_last_seen = _state(dialogue)
    assert (new_version, new_topic) == (version + 1, "cove-what")
    assert new_last_seen > last_seen


def test_a_button_press_costs_three_statements_on_postgresql(dialogue: Dialogue) -> None:
    first_step = _known_user(dialogue)
    version, _, step, last_seen = _state(dialogue)
    option = next(b.data for b in buttons(first_step) if b.data and b.data.startswith("f:"))
    done, seen = _post(dialogue, callback_update(USER, option))
    assert done
    if dialogue.db.dialect == "postgresql":
        claim_and_read, user_and_state, outbox = seen
        assert "INSERT INTO processed_updates" in claim_and_read and "FROM users" in claim_and_read
        assert "UPDATE users" in user_and_state and "UPDATE dialogue_states" in user_and_state
    else:
        claim, read, user, state, outbox = seen
        assert claim.startswith("INSERT INTO processed_updates")
        assert read.startswith("SELECT users.id")
        assert user.startswith("UPDATE users") and state.startswith("UPDATE dialogue_states")
    assert outbox.startswith("INSERT INTO outbox")
    new_version, _, new_step, new_last_seen = _state(dialogue)
    assert new_version == version + 1 and new_step != step
    assert new_last_seen > last_seen


def test_a_resent_update_costs_one_statement_and_changes_nothing(dialogue: Dialogue) -> None:
    _known_user(dialogue)
    payload = message_update(USER, "kas ir CoVE?")
    assert _post(dialogue, payload)[0]
    before = _state(dialogue), _rows(dialogue)
    assert before[1] == (2, 1, 2)  # the /start and the question
    done, seen = _post(dialogue, payload)
    assert not done and len(seen) == 1 and "INSERT INTO processed_updates" in seen[0]
    assert (_state(dialogue), _rows(dialogue)) == before


def _rows(dialogue: Dialogue) -> tuple[int, ...]:
    """Outbox rows, logged questions and processed marks."""
    with dialogue.db.transaction() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (OutboxMessage, QuestionLog, ProcessedUpdate)
        )


def test_a_first_update_is_claimed_once_with_its_user_created(dialogue: Dialogue) -> None:
    payload = message_update(USER, "/start")
    done, seen = _post(dialogue, payload)
    assert done
    if dialogue.db.dialect == "postgresql":  # the user and their state in one INSERT
        claim_and_read, create, read, outbox = seen
        assert "INSERT INTO processed_updates" in claim_and_read
        assert "INSERT INTO users" in create and "INSERT INTO dialogue_states" in create
    else:
        claim, _, create_user, create_state, read, outbox = seen
        assert claim.startswith("INSERT INTO processed_updates")
        assert create_user.startswith("INSERT INTO users")
        assert create_state.startswith("INSERT INTO dialogue_states")
    assert read.startswith("SELECT users.id") and outbox.startswith("INSERT INTO outbox")
    assert not _post(dialogue, payload)[0]
    with dialogue.db.transaction() as session:
        assert session.get(User, USER) is not None
    assert _rows(dialogue) == (1, 0, 1)
