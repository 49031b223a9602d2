"""The idle outbox sender: at most about one query a second with nothing to send, woken at once
when replies are queued — in its own worker directly, from another worker by NOTIFY."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from bot.dialogue.messages import Reply
from bot.telegram import sender as sender_module
from bot.telegram.outbox import reply_to_json
from bot.telegram.wakeups import notify
from storage.db import Database
from storage.delivery import OutboxRepository
from storage.models import OutboxMessage
from tests.bot.fake_telegram import message_update
from tests.bot.telegram.test_webhook import Webhook, _serve


@pytest.fixture
def webhook(database_url: str) -> Iterator[Webhook]:
    yield from _serve(database_url)


def _statements(db: Database, seconds: float) -> int:
    counted = 0

    def count(*_: Any) -> None:
        nonlocal counted
        counted += 1

    event.listen(db.engine, "before_cursor_execute", count)
    time.sleep(seconds)
    event.remove(db.engine, "before_cursor_execute", count)
    return counted


def test_an_idle_worker_hardly_asks_the_database(webhook: Webhook) -> None:
    assert webhook.post(message_update(31, "kas ir CoVE?")) == 200
    webhook.texts(31, 1)
    time.sleep(2.0)  # the sender has backed off
    # sender at most 1/s, the leader's lock check 1/s, the builder's fallback every 5 s;
    # it was 40 looks a second
    assert _statements(webhook.dialogue.db, 4.0) <= 4 * 2 + 2
    started = time.monotonic()
    assert webhook.post(message_update(31, "kas ir KA2?")) == 200
    webhook.texts(31, 2)
    assert time.monotonic() - started < 0.8  # woken, not waiting for its next look


@pytest.fixture
def slow_fallback(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    if not database_url.startswith("postgresql"):
        pytest.skip("NOTIFY: PostgreSQL")
    monkeypatch.setattr(sender_module, "IDLE_POLL_MAX", 30.0)
    yield from _serve(database_url)


def test_replies_queued_elsewhere_wake_the_sender_by_notify(slow_fallback: Webhook) -> None:
    webhook = slow_fallback
    assert webhook.post(message_update(32, "/help")) == 200
    webhook.texts(32, 1)
    time.sleep(3.0)  # backed off far beyond the wait below
    other = Database(webhook.dialogue.db.url)  # another worker
    started = time.monotonic()
    with other.transaction() as session:
        OutboxRepository(session).add(
            chat_id=32, user_id=32, replies=[reply_to_json(Reply("from the other worker"))]
        )
        notify(session)
    assert webhook.fake.wait_for(
        lambda _: "from the other worker" in webhook.fake.messages_for(32), timeout=5
    )
    assert time.monotonic() - started < 1.5
    other.dispose()


def test_an_answered_question_costs_about_two_transactions(webhook: Webhook) -> None:
    """One for the input (its effects, its mark and its outbox row), about one for sending it:
    the sender's looks are shared by the replies found together, and a row sent in full is
    deleted in the next look's transaction."""
    users = range(41, 61)
    for user in users:  # each user exists already
        assert webhook.post(message_update(user, "/help")) == 200
    for user in users:
        webhook.texts(user, 1)
    time.sleep(1.5)
    commits = 0

    def count(*_: Any) -> None:
        nonlocal commits
        commits += 1

    event.listen(webhook.dialogue.db.engine, "commit", count)
    for user in users:
        assert webhook.post(message_update(user, "kas ir CoVE?")) == 200
    for user in users:
        webhook.texts(user, 2)
    time.sleep(0.5)  # the last look deletes what was sent
    event.remove(webhook.dialogue.db.engine, "commit", count)
    assert webhook.count(OutboxMessage) == 0
    assert commits <= 3 * len(users)  # 86 (SQLite) and 139 (PostgreSQL) before
