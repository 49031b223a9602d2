"""The webhook's outbox sender: delivers stored replies to Telegram, in order per chat, paced to
Telegram's limits, and runs the leader's periodic jobs (reminders, retention, old update marks).

Only the leader worker sends (see ``bot.telegram.leadership``), so the overall pace holds for
the whole deployment. It is woken when replies are queued (``bot.telegram.wakeups``); when
nothing comes it looks again after ``poll_every``, doubling up to ``idle_poll_max``. A reply
is deleted from the outbox once Telegram accepted it; a crash between the two sends it again
(at least once, never lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass
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


@dataclass
class _Progress:
    """What is left of one outbox row after a delivery step."""

    row_id: int
    chat_id: int
    replies: list[dict[str, Any]]
    callback_query_id: str | None
    edit_message_id: int | None


@dataclass
class _Pending:
    row_id: int
    chat_id: int
    replies: list[Reply]
    callback_query_id: str | None
    edit_message_id: int | None
    recorded: bool = False  # its row is deleted (nothing is left to send)


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
        self._stopping = False
        self._retry_at: dict[int, float] = {}
        self._failures: dict[int, int] = {}  # row id -> failed delivery rounds (back-off)
        self._unrecorded: dict[int, _Progress] = {}  # delivered, not yet stored as such
        self.retry_max = retry_max
        self.bot_api = "unknown"  # "ok" once Telegram answered, "unreachable: …" when not
        self.record_seconds: deque[float] = deque(maxlen=10_000)  # accepted -> recorded
        self._last_housekeeping = 0.0
        self._leader_checked = 0.0
        self._last_look = 0.0
        self._sent: set[int] = set()  # rows delivered in full, deleted by the next look

    def wake(self) -> None:
        """Something was just queued (here, or in another worker: ``bot.telegram.wakeups``):
        look now instead of at the next poll, and soon again after that."""
        self._idle_poll = self.poll_every
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            try:
                if not await self._lead():
                    await self._sleep(1.0)
                    continue
                if self._unrecorded and not await self._store_unrecorded():
                    await self._sleep(1.0)
                    continue
                await self._housekeeping_if_due()
                started = await self._dispatch()
                if started:
                    self._idle_poll = self.poll_every
                else:
                    await self._sleep(self._idle_poll)
                    self._idle_poll = min(self._idle_poll * 2, self.idle_poll_max)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("the outbox sender failed (%s); trying again", describe_error(exc))
                await self._sleep(1.0)

    async def _lead(self) -> bool:
        """Leader now? The lock is (re)checked at most once a second, not on every poll."""
        now = time.monotonic()
        if self.leadership.held and now - self._leader_checked < LEADER_CHECK_EVERY:
            return True
        self._leader_checked = now
        return await asyncio.to_thread(self.leadership.try_acquire)

    async def stop(self, timeout: float = 20.0) -> None:
        """Finish the deliveries under way, then give up leadership."""
        self._stopping = True
        self._wake.set()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        if self._unrecorded:
            await self._store_unrecorded()
        if self._sent:
            try:
                sent = set(self._sent)
                await asyncio.to_thread(self._remove_sent, sent)
                self._sent -= sent
            except Exception as exc:  # sent again by the next leader: at least once
                log.warning("could not record finished deliveries (%s)", describe_error(exc))
        await asyncio.to_thread(self.leadership.release)

    def _remove_sent(self, sent: set[int]) -> None:
        with self.db.transaction() as session:
            OutboxRepository(session).remove(sorted(sent))

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    async def _dispatch(self) -> bool:
        """Start a delivery task for each chat with waiting replies; True if any started.

        One transaction finds the waiting rows and reads the chosen ones; looks are at least
        ``LOOK_EVERY`` apart, so wake-ups in a burst share one look."""
        if self._slots.locked():
            return False  # every slot busy: a finishing delivery wakes the loop
        pause = self._last_look + LOOK_EVERY - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        self._last_look = time.monotonic()
        # Chats busy when the look starts are skipped: rows a delivery finishes and deletes
        # meanwhile may still be in what is read (only this loop makes a chat busy).
        blocked = set(self._busy_chats) | {p.chat_id for p in self._unrecorded.values()}
        free = self.max_chats - len(self._busy_chats)
        sent = set(self._sent)
        items = await asyncio.to_thread(self._look, blocked, dict(self._retry_at), free, sent)
        self._sent -= sent
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

    def _look(
        self, blocked: set[int], retry_at: dict[int, float], free: int, sent: set[int]
    ) -> list[_Pending]:
        """Delete the ``sent`` rows; then the rows to send now, oldest first: per chat in order,
        up to ``free`` chats; a chat is skipped from a row that waits (for its document, or to
        be retried) on."""
        now = time.monotonic()
        with self.db.transaction() as session:
            if sent:
                OutboxRepository(session).remove(sorted(sent))
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

    def _payloads(self, session: Session, ids: list[int]) -> list[_Pending]:
        rows = OutboxRepository(session).get_many(ids)
        with_jobs = [row.id for row in rows if _has_jobs(row.replies)]
        built = DocumentJobRepository(session).results(with_jobs) if with_jobs else {}
        pending = []
        for row in rows:
            mine = {position: data for (row_id, position), data in built.items()
                    if row_id == row.id}  # fmt: skip
            replies = [reply_from_json(r, mine) for r in row.replies]
            pending.append(
                _Pending(
                    row.id,
                    row.chat_id,
                    [r for r in replies if r is not None],
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
                    item.replies = [r for r in item.replies if not r.notice]
                    if not item.replies and not await self._record(item):
                        return False
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
                    item.replies = item.replies[1:]
                    if reply.edit:
                        item.edit_message_id = None  # only the first edit may replace
                    if not await self._record(item):
                        return False
                if not item.recorded and not await self._record(item):
                    return False  # a row with nothing to send
                break
            except RetryAfter as exc:
                log.warning("Telegram asks to slow down for %.0f s", exc.retry_after)
                self.pacer.pause(exc.retry_after)
            except (Forbidden, BadRequest) as exc:
                log.warning("dropping replies Telegram will not take: %s", exc.message)
                item.replies = []
                return await self._record(item)
            except NetworkError as exc:  # includes timeouts
                self.bot_api = f"unreachable: {type(exc).__name__}"
                log.warning("sending failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
            except BotApiError as exc:
                log.error("dropping replies after a Telegram error: %s", exc.message)
                item.replies = []
                return await self._record(item)
        else:
            failures = self._failures.get(item.row_id, 0) + 1
            self._failures[item.row_id] = failures
            self._retry_at[item.row_id] = time.monotonic() + min(2.0**failures, self.retry_max)
            return False
        self._retry_at.pop(item.row_id, None)
        self._failures.pop(item.row_id, None)
        return True

    async def _record(self, item: _Pending) -> bool:
        """Store what is left of ``item`` right after each reply Telegram accepted, so a crash
        re-sends as little as possible; a row with nothing left is deleted in the transaction of
        the next look at the outbox (at most ``LOOK_EVERY`` later: one transaction for all the
        rows finished meanwhile, not one each). When the database
        fails, the progress is kept here and stored later; the chat waits until then (its
        delivered replies are never sent again by this process, nor any later one early)."""
        if not item.replies:  # all sent: the row is deleted by the next look's transaction
            self._sent.add(item.row_id)
            item.recorded = True
            return True
        progress = _Progress(item.row_id, item.chat_id, [reply_to_json(r) for r in item.replies],
                             item.callback_query_id, item.edit_message_id)  # fmt: skip
        started = time.perf_counter()
        try:
            await asyncio.to_thread(self._store_progress, progress)
        except Exception as exc:
            log.warning("could not record a delivery (%s); will retry", describe_error(exc))
            self._unrecorded[item.row_id] = progress
            return False
        self.record_seconds.append(time.perf_counter() - started)
        item.recorded = not progress.replies
        return True

    def _store_progress(self, progress: _Progress) -> None:
        with self.db.transaction() as session:
            outbox = OutboxRepository(session)
            if progress.replies:
                outbox.update_waiting(
                    progress.row_id,
                    replies=progress.replies,
                    callback_query_id=progress.callback_query_id,
                    edit_message_id=progress.edit_message_id,
                )
            else:
                outbox.remove([progress.row_id])

    async def _store_unrecorded(self) -> bool:
        """Store progress the database refused earlier, oldest first; True when none is left."""
        for row_id in sorted(self._unrecorded):
            try:
                await asyncio.to_thread(self._store_progress, self._unrecorded[row_id])
            except Exception as exc:
                log.warning("still cannot record a delivery (%s)", describe_error(exc))
                return False
            del self._unrecorded[row_id]
        return True

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
