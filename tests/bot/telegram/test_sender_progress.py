"""The outbox sender's progress: what Telegram accepted is stored with the next look (one
transaction for every row), not in a transaction per reply; a crash re-sends from the last
stored point and loses nothing; a database failure while storing keeps the progress, the
order and every reply; stop() stores what is left; a worker that does not lead does not try
the lock on every wake-up.

The sender's loop is driven by hand where the point is what one look does (``_dispatch``), and
the Bot API is an in-process stand-in whose calls can be held: nothing waits on a clock."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Reply
from bot.telegram.bot_api import BotApi
from bot.telegram.outbox import reply_from_json, reply_to_json
from bot.telegram.pacing import Pacer
from bot.telegram.sender import LEADER_CHECK_EVERY, OutboxSender
from storage.db import Database
from storage.delivery import OutboxRepository
from storage.models import OutboxMessage
from tests.bot.telegram.test_idle_sender import AN_HOUR, Transactions
from tests.conftest import build_test_dialogue

MESSAGES = ("sendMessage", "editMessageText")


class HeldApi(BotApi):
    """The Bot API in process: every call recorded once Telegram "accepted" it; ``hold(n)``
    makes the ``n``-th message (counted from 1) wait until ``release(n)``."""

    def __init__(self) -> None:
        super().__init__("123:held", "http://127.0.0.1:9/bot")  # never reached
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._started = 0
        self._held: dict[int, tuple[asyncio.Event, asyncio.Event]] = {}

    def hold(self, n: int) -> None:
        self._held[n] = (asyncio.Event(), asyncio.Event())

    async def reached(self, n: int) -> None:
        """Until the ``n``-th message is held (every message before it was accepted)."""
        await asyncio.wait_for(self._held[n][0].wait(), 60)

    def release(self, n: int) -> None:
        self._held[n][1].set()

    async def call(self, method: str, params: Any = None) -> Any:
        if method in MESSAGES:
            self._started += 1
            held = self._held.get(self._started)
            if held is not None:
                held[0].set()
                await held[1].wait()
        self.calls.append((method, dict(params or {})))
        return True

    def texts(self, chat_id: int) -> list[str]:
        return [p["text"] for m, p in self.calls if m in MESSAGES and p["chat_id"] == chat_id]

    def answered(self) -> list[tuple[str, str | None]]:
        return [(p["callback_query_id"], p.get("text"))
                for m, p in self.calls if m == "answerCallbackQuery"]  # fmt: skip


@pytest.fixture
def dialogue(database_url: str) -> Iterator[Dialogue]:
    core = build_test_dialogue(database_url)
    yield core
    core.db.dispose()


def _sender(dialogue: Dialogue, api: BotApi, **options: Any) -> OutboxSender:
    """A sender without Telegram's per-chat pace (not what is tested here)."""
    pacer = Pacer(chat_rate=500, chat_burst=500)
    return OutboxSender(dialogue.db, api, dialogue.reminders, pacer=pacer, **options)


def _queue(db: Database, chat_id: int, *replies: Reply, callback: str | None = None) -> int:
    with db.transaction() as session:
        return (
            OutboxRepository(session)
            .add(
                chat_id=chat_id,
                user_id=chat_id,
                replies=[reply_to_json(r) for r in replies],
                callback_query_id=callback,
                edit_message_id=7 if callback is not None else None,
            )
            .id
        )


def _left(db: Database, row_id: int) -> list[str] | None:
    """The texts a row still has to send (None: the row is gone)."""
    with db.transaction() as session:
        row = session.get(OutboxMessage, row_id)
        if row is None:
            return None
        return [r.text for data in row.replies if (r := reply_from_json(data)) is not None]


async def _delivered(sender: OutboxSender) -> None:
    """Until every delivery under way has ended."""
    while sender._tasks:
        await asyncio.wait(set(sender._tasks), timeout=60)


def _texts(*texts: str) -> list[Reply]:
    return [Reply(t) for t in texts]


def test_a_multi_reply_row_and_a_button_row_cost_no_transaction_per_reply(
    dialogue: Dialogue,
) -> None:
    db = dialogue.db
    parts = [f"part {n}" for n in range(1, 7)]
    many = _queue(db, 71, *_texts(*parts))
    button = _queue(
        db,
        72,
        Reply("Saglabāts / Saved", notice=True),
        Reply("edited in place", edit=True),
        Reply("and one more"),
        callback="query-72",
    )

    async def scenario() -> tuple[HeldApi, list[list[str]], int]:
        api = HeldApi()
        sender = _sender(dialogue, api)
        with Transactions(db) as seen:
            assert await sender._dispatch()  # one look reads both rows
            looked = len(seen.committed)
            await _delivered(sender)
            during = len(seen.committed) - looked
            await sender._dispatch()  # the next look stores what was sent
        await api.close()
        return api, seen.committed, during

    api, committed, during = asyncio.run(scenario())
    assert api.texts(71) == parts
    assert api.texts(72) == ["edited in place", "and one more"]
    assert [m for m, p in api.calls if p.get("chat_id") == 72] == ["editMessageText", "sendMessage"]
    assert api.answered() == [("query-72", "Saglabāts / Saved")]
    # 8 messages and an answered query, and not one transaction while sending them
    assert during == 0
    assert len(committed) == 2  # the two looks
    removal = committed[-1]
    assert any(s.upper().startswith("DELETE FROM OUTBOX") for s in removal)
    assert not any(s.upper().startswith("UPDATE OUTBOX") for t in committed for s in t)
    assert _left(db, many) is None and _left(db, button) is None


def test_after_a_crash_a_row_is_sent_again_from_its_last_stored_point(dialogue: Dialogue) -> None:
    db = dialogue.db
    row = _queue(db, 73, *_texts("one", "two", "three", "four"))

    async def crashing() -> HeldApi:
        api = HeldApi()
        sender = _sender(dialogue, api)
        api.hold(3)
        api.hold(4)
        assert await sender._dispatch()
        await api.reached(3)  # "one" and "two" accepted, in memory only
        assert _left(db, row) == ["one", "two", "three", "four"]
        await sender._dispatch()  # the chat is busy: the look stores its progress, reads none
        assert _left(db, row) == ["three", "four"]
        api.release(3)
        await api.reached(4)  # "three" accepted too, not stored yet: the worker dies here
        for task in set(sender._tasks):
            task.cancel()
        await asyncio.gather(*sender._tasks, return_exceptions=True)
        await api.close()
        return api

    async def next_leader() -> HeldApi:
        api = HeldApi()
        sender = _sender(dialogue, api)
        assert await sender._dispatch()
        await _delivered(sender)
        await sender._dispatch()
        await api.close()
        return api

    first = asyncio.run(crashing())
    assert first.texts(73) == ["one", "two", "three"]
    assert _left(db, row) == ["three", "four"]  # the last stored point
    second = asyncio.run(next_leader())
    assert second.texts(73) == ["three", "four"]  # "three" twice (at least once), none lost
    assert _left(db, row) is None


class FailingOutboxWrites:
    """While ``failing``, every statement that changes the outbox fails as a lost connection
    would (the transaction is rolled back)."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine
        self.failing = False
        self.refused = 0

    def __enter__(self) -> FailingOutboxWrites:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)

    def _statement(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        words = statement.lstrip().upper()
        if self.failing and words.startswith(("UPDATE OUTBOX", "DELETE FROM OUTBOX")):
            self.refused += 1
            raise OperationalError(statement, None, Exception("server closed the connection"))


def test_a_database_failure_while_storing_progress_keeps_order_and_loses_nothing(
    dialogue: Dialogue,
) -> None:
    db = dialogue.db
    first = _queue(db, 74, *_texts("a1", "a2", "a3"))

    async def scenario(database: FailingOutboxWrites) -> HeldApi:
        api = HeldApi()
        sender = _sender(dialogue, api)
        api.hold(2)
        assert await sender._dispatch()
        await api.reached(2)  # "a1" accepted
        database.failing = True
        with pytest.raises(OperationalError):
            await sender._dispatch()  # storing "a1"'s progress fails
        assert _left(db, first) == ["a1", "a2", "a3"]
        api.release(2)
        await _delivered(sender)  # "a2" and "a3" too: the row is done, in memory
        second = _queue(db, 74, *_texts("b1"))  # the chat's next input
        with pytest.raises(OperationalError):
            await sender._dispatch()  # nothing read: "a1".."a3" not again, "b1" not early
        database.failing = False
        assert await sender._dispatch()  # stores the row's removal, then reads "b1"
        await _delivered(sender)
        await sender._dispatch()
        assert _left(db, first) is None and _left(db, second) is None
        await api.close()
        return api

    with FailingOutboxWrites(db) as database:
        api = asyncio.run(scenario(database))
        assert database.refused >= 2
    assert api.texts(74) == ["a1", "a2", "a3", "b1"]


def test_stop_stores_what_was_sent(dialogue: Dialogue) -> None:
    db = dialogue.db
    row = _queue(db, 75, *_texts("x", "y"))

    async def scenario() -> HeldApi:
        api = HeldApi()
        sender = _sender(dialogue, api)
        assert await sender._dispatch()
        await _delivered(sender)
        assert _left(db, row) == ["x", "y"]  # sent, not stored yet
        await sender.stop()
        await api.close()
        return api

    api = asyncio.run(scenario())
    assert api.texts(75) == ["x", "y"]
    assert _left(db, row) is None


def test_progress_is_stored_while_every_slot_is_busy(dialogue: Dialogue) -> None:
    """The loop does not look while every delivery slot is busy; it still stores progress,
    without waiting for its (here hour-long) poll or for a slot to free."""
    db = dialogue.db
    row = _queue(db, 76, *_texts("p1", "p2", "p3"))

    async def scenario() -> list[str] | None:
        api = HeldApi()
        sender = _sender(dialogue, api, max_chats=1, poll_every=AN_HOUR, idle_poll_max=AN_HOUR)
        api.hold(2)
        loop = asyncio.create_task(sender.run())
        await api.reached(2)  # the only slot is busy, "p1" accepted
        deadline = time.monotonic() + 60
        while (left := await asyncio.to_thread(_left, db, row)) == ["p1", "p2", "p3"]:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)
        api.release(2)
        await sender.stop()
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
        await api.close()
        return left

    assert asyncio.run(scenario()) == ["p2", "p3"]
    assert _left(db, row) is None


class NotLeading:
    """Another worker holds the leader lock."""

    held = False

    def __init__(self) -> None:
        self.tries = 0

    def try_acquire(self) -> bool:
        self.tries += 1
        return False

    def release(self) -> None:
        pass


def test_a_worker_that_does_not_lead_tries_the_lock_once_a_second_however_often_woken(
    dialogue: Dialogue,
) -> None:
    async def scenario() -> tuple[int, float]:
        api = HeldApi()
        sender = _sender(dialogue, api)
        lock = NotLeading()
        sender.leadership = lock  # type: ignore[assignment]
        loop = asyncio.create_task(sender.run())
        started = time.monotonic()
        for _ in range(300):  # every queued reply in any worker wakes every worker's sender
            sender.wake()
            await asyncio.sleep(0.005)
        window = time.monotonic() - started
        await sender.stop()
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
        await api.close()
        return lock.tries, window

    tries, window = asyncio.run(scenario())
    # at most one try a second for the time counted (a loaded machine may make it longer)
    assert 1 <= tries <= math.floor(window / LEADER_CHECK_EVERY) + 1, (tries, window)
