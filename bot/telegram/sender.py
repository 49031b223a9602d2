"""The webhook's outbox sender: delivers stored replies to Telegram, in order per chat, paced to
Telegram's limits, and runs the leader's periodic jobs (reminders, retention, old update marks).

Only the leader worker sends (see ``bot.telegram.leadership``), so the overall pace holds for
the whole deployment; a worker that does not lead tries the lock once a second (wake-ups do not
make it try sooner). It is woken when replies are queued (``bot.telegram.wakeups``); when
nothing comes it looks again after ``poll_every``, doubling up to ``idle_poll_max``.

What Telegram accepted is remembered here first and stored in the next look's transaction: each
row's remaining replies (after every reply sent), or the row's removal (once all are sent or
dropped), for every row at once, before that look reads anything. When every delivery slot is
busy and the loop does not look, the same is stored on its own, at most ``LOOK_EVERY`` after
the first send it reflects; ``stop()`` stores what is left. A chat's rows are read again only
after its progress is stored. So a crash re-sends at most the last ~``LOOK_EVERY`` seconds of
sends (at least once, never lost), and a button's callback query may be answered twice, which is
harmless. While the database refuses, progress waits here (nothing is read, so nothing is sent
early) and is stored once it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.dialogue.messages import Reply
from bot.dialogue.privacy import QUESTION_RETENTION_DAYS
from bot.dialogue.reminders import DueReminder, ReminderDesk
from bot.dialogue.retention import apply_retention
from bot.logs import describe_error
from bot.telegram.bot_api import (
    BadRequest,
    BotApi,
    BotApiError,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from bot.telegram.leadership import Leadership
from bot.telegram.outbox import reply_from_json, reply_to_json
from bot.telegram.pacing import Pacer
from bot.telegram.send import ApiTransport, send_replies
from bot.telegram.wakeups import notify
from storage.db import Database
from storage.delivery import OutboxRepository
from storage.documents import DocumentJobRepository

log = logging.getLogger(__name__)

UPDATE_MARKS_KEPT = timedelta(days=2)
LOOK_EVERY = 0.1  # seconds at least between two looks at the outbox
IDLE_POLL_MAX = 1.0  # seconds: at most one look a second at an empty outbox
LEADER_CHECK_EVERY = 1.0  # seconds  # Telegram gives up re-sending an update after a day


@dataclass(frozen=True)
class _Progress:
    """What is left of one outbox row after a delivery step, not stored yet."""

    row_id: int
    replies: list[dict[str, Any]]  # as stored in the row; empty: the row is done (deleted)
    callback_query_id: str | None
    edit_message_id: int | None
    since: float  # monotonic: when the oldest send not stored yet was accepted


@dataclass
class _Pending:
    """One outbox row being delivered: its replies and, index for index, the same replies as
    the row stores them (what its progress writes back)."""

    row_id: int
    chat_id: int
    replies: list[Reply]
    stored: list[dict[str, Any]]
    callback_query_id: str | None
    edit_message_id: int | None
    done: bool = False  # nothing is left to send: the row's removal is recorded

    def keep(self, start: int = 1, notices: bool = True) -> None:
        """Drop the replies before ``start`` and, unless ``notices``, the callback notices."""
        pairs = list(zip(self.replies, self.stored, strict=True))[start:]
        if not notices:
            pairs = [(reply, data) for reply, data in pairs if not reply.notice]
        self.replies = [reply for reply, _ in pairs]
        self.stored = [data for _, data in pairs]


class OutboxSender:
    def __init__(
        self,
        db: Database,
        api: BotApi,
        reminders: ReminderDesk,
        *,
        pacer: Pacer | None = None,
        poll_every: float = 0.025,
        idle_poll_max: float | None = None,
        housekeeping_every: float = 60.0,
        max_chats: int = 16,
        retention_days: int = QUESTION_RETENTION_DAYS,
        retry_max: float = 30.0,
    ) -> None:
        self.db = db
        self.api = api  # the webhook's own Bot API client (not python-telegram-bot's Bot)
        self._transport = ApiTransport(api)
        self.reminders = reminders
        self.pacer = pacer or Pacer()
        self.poll_every = poll_every  # the first look again after finding nothing to send
        # doubling up to this while nothing comes
        self.idle_poll_max = IDLE_POLL_MAX if idle_poll_max is None else idle_poll_max
        self._idle_poll = poll_every
        self.housekeeping_every = housekeeping_every
        self.retention_days = retention_days
        self.leadership = Leadership(db)
        self.max_chats = max_chats
        self._slots = asyncio.Semaphore(max_chats)
        self._busy_chats: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()  # set by stop(): ends a pause wake-ups do not end
        self._stopping = False
        self._retry_at: dict[int, float] = {}
        self._failures: dict[int, int] = {}  # row id -> failed delivery rounds (back-off)
        # row id -> what Telegram accepted of it and the database does not know yet
        self._progress: dict[int, _Progress] = {}
        self.retry_max = retry_max
        self.bot_api = "unknown"  # "ok" once Telegram answered, "unreachable: …" when not
        self.record_seconds: deque[float] = deque(maxlen=10_000)  # accepted -> stored
        self._last_housekeeping = 0.0
        self._leader_checked = -LEADER_CHECK_EVERY
        self._last_look = 0.0  # when the last look (or store of progress alone) began

    def wake(self) -> None:
        """Something was just queued (here, or in another worker: ``bot.telegram.wakeups``):
        look now instead of at the next poll, and soon again after that."""
        self._idle_poll = self.poll_every
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            try:
                if not await self._lead():
                    await self._until_next_leader_check()
                    continue
                await self._housekeeping_if_due()
                started = await self._dispatch()
                if started:
                    self._idle_poll = self.poll_every
                else:
                    await self._sleep(self._pause_after_look())
                    self._idle_poll = min(self._idle_poll * 2, self.idle_poll_max)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("the outbox sender failed (%s); trying again", describe_error(exc))
                await self._sleep(1.0)

    async def _lead(self) -> bool:
        """Leader now? The lock is (re)checked at most once a second, not on every poll nor on
        every wake-up (a worker that does not lead is woken by every queued reply too)."""
        now = time.monotonic()
        if now - self._leader_checked < LEADER_CHECK_EVERY:
            return self.leadership.held
        self._leader_checked = now
        return await asyncio.to_thread(self.leadership.try_acquire)

    async def _until_next_leader_check(self) -> None:
        """Not leading: wait for the next check of the lock (only stop() ends it sooner)."""
        left = self._leader_checked + LEADER_CHECK_EVERY - time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), timeout=max(left, 0.0))

    def _pause_after_look(self) -> float:
        """How long the loop may wait for a wake-up: its idle poll, shorter while progress
        waits to be stored (stored at most ``LOOK_EVERY`` after its first send)."""
        if not self._progress:
            return self._idle_poll
        oldest = min(p.since for p in self._progress.values())
        return min(self._idle_poll, max(oldest + LOOK_EVERY - time.monotonic(), 0.0))

    async def stop(self, timeout: float = 20.0) -> None:
        """Finish the deliveries under way, store their progress, then give up leadership."""
        self._stopping = True
        self._stopped.set()
        self._wake.set()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        if self._progress:
            progress = list(self._progress.values())
            try:
                await asyncio.to_thread(self._store_alone, progress)
                self._stored(progress, time.monotonic())
            except Exception as exc:  # sent again by the next leader: at least once
                log.warning("could not record finished deliveries (%s)", describe_error(exc))
        await asyncio.to_thread(self.leadership.release)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    async def _dispatch(self) -> bool:
        """Start a delivery task for each chat with waiting replies; True if any started.

        One transaction stores the progress of deliveries, finds the waiting rows and reads the
        chosen ones; looks are at least ``LOOK_EVERY`` apart, so wake-ups in a burst share one
        look. With every slot busy there is no look, but progress is still stored."""
        if self._slots.locked():  # a finishing delivery wakes the loop
            if self._progress:
                await self._after_last_look()
                progress, started = list(self._progress.values()), time.monotonic()
                await asyncio.to_thread(self._store_alone, progress)
                self._stored(progress, started)
            return False
        await self._after_last_look()
        # Chats busy when the look starts are skipped: a delivery's progress made meanwhile is
        # not in the database yet. Every other chat's progress is stored before it is read.
        blocked = set(self._busy_chats)
        free = self.max_chats - len(self._busy_chats)
        progress, started = list(self._progress.values()), time.monotonic()
        items = await asyncio.to_thread(self._look, blocked, dict(self._retry_at), free, progress)
        self._stored(progress, started)
        if self._stopping:
            return False  # left in the outbox for the next leader
        by_chat: dict[int, list[_Pending]] = {}
        for item in items:
            by_chat.setdefault(item.chat_id, []).append(item)
        for chat_id, mine in by_chat.items():
            await self._slots.acquire()
            self._busy_chats.add(chat_id)
            task = asyncio.create_task(self._deliver_chat(chat_id, mine))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return bool(by_chat)

    async def _after_last_look(self) -> None:
        pause = self._last_look + LOOK_EVERY - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        self._last_look = time.monotonic()

    def _look(
        self,
        blocked: set[int],
        retry_at: dict[int, float],
        free: int,
        progress: list[_Progress],
    ) -> list[_Pending]:
        """Store ``progress``; then the rows to send now, oldest first: per chat in order, up to
        ``free`` chats; a chat is skipped from a row that waits (for its document, or to be
        retried) on."""
        now = time.monotonic()
        with self.db.transaction() as session:
            if progress:
                _store(OutboxRepository(session), progress)
            chosen: list[int] = []
            chats: set[int] = set()
            for row_id, chat_id, ready in OutboxRepository(session).waiting():
                if chat_id in blocked:
                    continue
                if not ready or retry_at.get(row_id, 0.0) > now:
                    blocked.add(chat_id)  # keep the chat's order: nothing after it either
                    continue
                if chat_id not in chats and len(chats) >= free:
                    continue
                chats.add(chat_id)
                chosen.append(row_id)
            return self._payloads(session, chosen) if chosen else []

    def _store_alone(self, progress: list[_Progress]) -> None:
        """Store ``progress`` in a transaction of its own (no look)."""
        with self.db.transaction() as session:
            _store(OutboxRepository(session), progress)

    def _stored(self, progress: list[_Progress], started: float) -> None:
        """``progress`` is in the database now (its store began at ``started``): forget it,
        unless a row progressed further meanwhile (then what is newer is not stored yet)."""
        now = time.monotonic()
        for done in progress:
            current = self._progress.get(done.row_id)
            if current is done:
                del self._progress[done.row_id]
                self.record_seconds.append(now - done.since)
            elif current is not None and current.since < started:
                self._progress[done.row_id] = replace(current, since=started)

    def _payloads(self, session: Session, ids: list[int]) -> list[_Pending]:
        rows = OutboxRepository(session).get_many(ids)
        with_jobs = [row.id for row in rows if _has_jobs(row.replies)]
        built = DocumentJobRepository(session).results(with_jobs) if with_jobs else {}
        pending = []
        for row in rows:
            mine = {position: data for (row_id, position), data in built.items()
                    if row_id == row.id}  # fmt: skip
            kept = [(reply, data) for data in row.replies
                    if (reply := reply_from_json(data, mine)) is not None]  # fmt: skip
            pending.append(
                _Pending(
                    row.id,
                    row.chat_id,
                    [reply for reply, _ in kept],
                    [data for _, data in kept],
                    row.callback_query_id,
                    row.edit_message_id,
                )
            )
        return pending

    async def _deliver_chat(self, chat_id: int, items: list[_Pending]) -> None:
        """Deliver one chat's waiting inputs in order; the slot is given back whatever happens."""
        try:
            for item in items:
                if not await self._deliver(item):
                    break  # retried later; the chat's later replies wait for it
        except Exception as exc:
            log.error("delivering to a chat failed: %s", describe_error(exc))
        finally:
            self._busy_chats.discard(chat_id)
            self._slots.release()
            if not self._stopping:
                self._wake.set()

    async def _deliver(self, item: _Pending) -> bool:
        """Send one input's replies, recording each as soon as Telegram took it; True when done
        with them (sent or undeliverable), False to try again later."""
        for attempt in range(6):
            try:
                if item.callback_query_id is not None:
                    notice = next((r.text for r in item.replies if r.notice), None)
                    with contextlib.suppress(BadRequest):  # too old to answer: fine
                        await self.api.answer_callback_query(item.callback_query_id, text=notice)
                    self.bot_api = "ok"
                    item.callback_query_id = None
                    item.keep(0, notices=False)
                while item.replies:
                    reply = item.replies[0]
                    await send_replies(
                        self._transport,
                        item.chat_id,
                        [reply],
                        edit_message_id=item.edit_message_id,
                        pace=self.pacer.wait,
                    )
                    self.bot_api = "ok"
                    item.keep(1)
                    if reply.edit:
                        item.edit_message_id = None  # only the first edit may replace
                    self._record(item)
                if not item.done:
                    self._record(item)  # a row with nothing (else) to send
                break
            except RetryAfter as exc:
                log.warning("Telegram asks to slow down for %.0f s", exc.retry_after)
                self.pacer.pause(exc.retry_after)
            except (Forbidden, BadRequest) as exc:
                log.warning("dropping replies Telegram will not take: %s", exc.message)
                item.keep(len(item.replies))
                self._record(item)
                break
            except NetworkError as exc:  # includes timeouts
                self.bot_api = f"unreachable: {type(exc).__name__}"
                log.warning("sending failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
            except BotApiError as exc:
                log.error("dropping replies after a Telegram error: %s", exc.message)
                item.keep(len(item.replies))
                self._record(item)
                break
        else:
            failures = self._failures.get(item.row_id, 0) + 1
            self._failures[item.row_id] = failures
            self._retry_at[item.row_id] = time.monotonic() + min(2.0**failures, self.retry_max)
            return False
        self._retry_at.pop(item.row_id, None)
        self._failures.pop(item.row_id, None)
        return True

    def _record(self, item: _Pending) -> None:
        """Remember what is left of ``item`` after a step Telegram accepted; the next look (or
        a store of progress alone, at most ``LOOK_EVERY`` later) writes it to the database with
        every other row's, in one transaction. No transaction of its own."""
        now = time.monotonic()
        earlier = self._progress.get(item.row_id)
        if not self._progress:
            self._wake.set()  # the loop may be in a long idle pause: store within LOOK_EVERY
        self._progress[item.row_id] = _Progress(
            item.row_id,
            item.stored,  # never changed in place (``keep`` makes new lists)
            item.callback_query_id,
            item.edit_message_id,
            earlier.since if earlier is not None else now,
        )
        item.done = not item.replies

    # ---- the leader's periodic jobs ----------------------------------------------------
    async def _housekeeping_if_due(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < self.housekeeping_every:
            return
        self._last_housekeeping = now
        try:
            await asyncio.to_thread(self.reminders.claim_due, before_commit=queue_reminders)
            await asyncio.to_thread(apply_retention, self.db, self.retention_days)
        except Exception:
            log.exception("housekeeping failed; trying again later")


def _store(outbox: OutboxRepository, progress: list[_Progress]) -> None:
    """Write each row's progress: its remaining replies, or its removal when none are left."""
    for step in progress:
        if step.replies:
            outbox.update_waiting(
                step.row_id,
                replies=step.replies,
                callback_query_id=step.callback_query_id,
                edit_message_id=step.edit_message_id,
            )
    done = sorted(step.row_id for step in progress if not step.replies)
    if done:
        outbox.remove(done)


def _has_jobs(replies: list[dict[str, Any]]) -> bool:
    return any("job" in f for r in replies for f in r.get("files", []))


def queue_reminders(session: Session, due: list[DueReminder]) -> None:
    """Put claimed reminders in the outbox, in the same transaction that claims them."""
    outbox = OutboxRepository(session)
    if due:
        notify(session)
    for reminder in due:
        outbox.add(
            chat_id=reminder.user_id,
            user_id=reminder.user_id,
            replies=[reply_to_json(reminder.reply)],
        )
