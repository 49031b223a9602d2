"""The idle outbox sender: at most about one query a second with nothing to send, woken at once
when replies are queued — in its own worker directly, from another worker by NOTIFY.

Nothing here depends on how fast the machine is: the sender's pauses are watched (its
``_sleep``), not guessed with fixed sleeps; "woken" is shown by a fallback poll of an hour, not
by a stopwatch; and the transactions counted are those of the questions, not the periodic ones
whose number grows with the time the test takes."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from bot.dialogue.messages import Reply
from bot.telegram import webhook as webhook_module
from bot.telegram.outbox import reply_to_json
from bot.telegram.sender import OutboxSender
from bot.telegram.wakeups import notify
from storage.db import Database
from storage.delivery import OutboxRepository
from storage.models import OutboxMessage
from tests.bot.fake_telegram import message_update
from tests.bot.telegram.test_webhook import Webhook, _serve

AN_HOUR = 3600.0  # a fallback poll no test waits for: what arrives sooner was woken


class Watched:
    """The webhook's outbox sender, with its pauses watched."""

    def __init__(self, sender: OutboxSender) -> None:
        self.sender = sender
        self.backed_off = threading.Event()  # it pauses as long as it may when idle
        self.asleep = threading.Event()  # it has begun a pause of ``AN_HOUR``
        real_sleep = sender._sleep

        async def sleep(seconds: float) -> None:
            if seconds >= sender.idle_poll_max:
                self.backed_off.set()
            if seconds >= AN_HOUR:
                self.asleep.set()
            await real_sleep(seconds)

        sender._sleep = sleep  # type: ignore[method-assign]

    def wait_backed_off(self) -> None:
        """Until the sender polls at its slowest (how soon depends on the machine's load)."""
        self.backed_off.clear()
        assert self.backed_off.wait(60)

    def only_woken_from_now_on(self) -> None:
        """Until the sender has begun a pause of an hour: from then on it looks at the outbox
        only when woken (``wake()`` resets its pause)."""
        self.asleep.clear()
        self.sender.idle_poll_max = AN_HOUR
        self.sender._idle_poll = AN_HOUR
        assert self.asleep.wait(60)


@pytest.fixture
def senders(monkeypatch: pytest.MonkeyPatch) -> list[Watched]:
    """The outbox senders the webhook makes, watched."""
    made: list[Watched] = []
    real = webhook_module.OutboxSender

    def watched(*args: Any, **kwargs: Any) -> OutboxSender:
        sender = real(*args, **kwargs)
        made.append(Watched(sender))
        return sender

    monkeypatch.setattr(webhook_module, "OutboxSender", watched)
    return made


@pytest.fixture
def webhook(database_url: str, senders: list[Watched]) -> Iterator[Webhook]:
    yield from _serve(database_url)


def _statements(db: Database, seconds: float) -> tuple[int, float]:
    """The statements run in the next ``seconds`` (at least), and how long was counted."""
    counted = 0

    def count(*_: Any) -> None:
        nonlocal counted
        counted += 1

    event.listen(db.engine, "before_cursor_execute", count)
    started = time.monotonic()
    time.sleep(seconds)
    event.remove(db.engine, "before_cursor_execute", count)
    return counted, time.monotonic() - started


def test_an_idle_worker_hardly_asks_the_database(webhook: Webhook, senders: list[Watched]) -> None:
    [sender] = senders
    # Reminders and retention, once a minute, are not the idle poll: a test slowed past a
    # minute by a loaded machine would count them too.
    sender.sender.housekeeping_every = AN_HOUR
    assert webhook.post(message_update(31, "kas ir CoVE?")) == 200
    webhook.texts(31, 1)
    assert _drained(webhook)  # nothing left to send or delete
    sender.wait_backed_off()
    counted, window = _statements(webhook.dialogue.db, 4.0)
    # At most, for the time counted (a loaded machine may make it longer than asked): a round
    # of the sender a second — its look (on SQLite with BEGIN IMMEDIATE) and, on PostgreSQL,
    # the leader's lock check — and the builder's look every 5 s. It was 40 looks a second.
    rounds = math.floor(window / 1.0) + 1
    builder = (math.floor(window / 5.0) + 1) * (2 if webhook.dialogue.db.dialect == "sqlite" else 1)
    assert counted <= 2 * rounds + builder, (counted, window)
    sender.only_woken_from_now_on()
    assert webhook.post(message_update(31, "kas ir KA2?")) == 200
    webhook.texts(31, 2)  # woken: without it, the reply would wait for the hour's look


@pytest.fixture
def listening(database_url: str, webhook: Webhook) -> Webhook:
    if not database_url.startswith("postgresql"):
        pytest.skip("NOTIFY: PostgreSQL")
    return webhook


def test_replies_queued_elsewhere_wake_the_sender_by_notify(
    listening: Webhook, senders: list[Watched]
) -> None:
    webhook = listening
    [sender] = senders
    assert webhook.post(message_update(32, "/help")) == 200
    webhook.texts(32, 1)
    sender.only_woken_from_now_on()
    other = Database(webhook.dialogue.db.url)  # another worker
    with other.transaction() as session:
        OutboxRepository(session).add(
            chat_id=32, user_id=32, replies=[reply_to_json(Reply("from the other worker"))]
        )
        notify(session)
    # without the notification it would wait for the hour's look
    assert webhook.fake.wait_for(
        lambda _: "from the other worker" in webhook.fake.messages_for(32), timeout=60
    )
    other.dispose()


class Transactions:
    """Each transaction the engine commits, as the statements it ran (BEGIN left out)."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine
        self.committed: list[list[str]] = []
        self._open: dict[int, list[str]] = {}

    def __enter__(self) -> Transactions:
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _begin(self, conn: Any) -> None:
        self._open[id(conn)] = []

    def _statement(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            self._open.setdefault(id(conn), []).append(" ".join(statement.split()))

    def _commit(self, conn: Any) -> None:
        self.committed.append(self._open.pop(id(conn), []))

    def _rollback(self, conn: Any) -> None:
        self._open.pop(id(conn), None)


def _found_nothing(statements: list[str]) -> bool:
    """A look at the outbox that found nothing to send or delete, the leader's lock check, the
    builder's look for jobs: one query and nothing else — periodic, as many as the seconds the
    test takes, and none of them for a question."""
    return len(statements) <= 1 and all(s.upper().startswith("SELECT") for s in statements)


def test_an_answered_question_costs_about_two_transactions(
    webhook: Webhook, senders: list[Watched]
) -> None:
    """One for the input (its effects, its mark and its outbox row), about one for sending it:
    the sender's looks are shared by the replies found together, and a row sent in full is
    deleted in the next look's transaction."""
    [watched] = senders
    watched.sender.housekeeping_every = AN_HOUR  # reminders and retention: not counted here
    users = range(41, 61)
    for user in users:  # each user exists already
        assert webhook.post(message_update(user, "/help")) == 200
    for user in users:
        webhook.texts(user, 1)
    assert _drained(webhook)
    with Transactions(webhook.dialogue.db) as seen:
        for user in users:
            assert webhook.post(message_update(user, "kas ir CoVE?")) == 200
        for user in users:
            webhook.texts(user, 2)
        assert _drained(webhook)  # the last look deletes what was sent
    assert webhook.count(OutboxMessage) == 0
    work = [t for t in seen.committed if not _found_nothing(t)]
    # at most 3 each, however the machine's load spreads them (shared when found together);
    # 86 (SQLite) and 139 (PostgreSQL) before
    assert len(work) <= 3 * len(users), len(work)
    deleting = [t for t in work if any(s.upper().startswith("DELETE FROM OUTBOX") for s in t)]
    assert deleting, "the sent rows were deleted"
    for statements in deleting:  # never a transaction of its own: within a look
        assert any(s.upper().startswith("SELECT OUTBOX.ID, OUTBOX.CHAT_ID") for s in statements)


def _drained(webhook: Webhook) -> bool:
    """Whether every sent row is deleted, within a minute."""
    from tests.bot.telegram.test_webhook import _eventually

    return _eventually(lambda: webhook.count(OutboxMessage) == 0)
