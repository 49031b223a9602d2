"""Waking the leader's outbox sender, and idle document builders, across workers: PostgreSQL
LISTEN/NOTIFY.

A transaction that queues replies (an input's outbox row, claimed reminders) or finishes a
document job also sends ``NOTIFY celvedis_outbox``; PostgreSQL delivers it when (and only if) the
transaction commits. Each worker's ``Listener`` waits for it on a connection of its own (outside
the pool, in autocommit, no queries while waiting) and wakes its sender at once, so the sender
needs no fast polling: it looks at most once a second when nothing arrives (the fallback, in
case a notification was missed while the listener was reconnecting). SQLite has one worker
process, whose own wake-ups are enough; ``notify`` does nothing there.

A transaction that queues document jobs also sends ``NOTIFY celvedis_documents``: every worker's
builder looks then, so a result's files (and another user's) are built by whichever builders are
free, not only by the worker that took the input while the others wait for their next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from storage.db import CONNECT_TIMEOUT_S
from storage.delivery import OUTBOX_CHANNEL, mark_notified, notified

log = logging.getLogger(__name__)

OUTBOX = OUTBOX_CHANNEL
DOCUMENTS = "celvedis_documents"


def notify(session: Session, channel: str = OUTBOX) -> None:
    """Wake the listeners on ``channel`` when this transaction commits (PostgreSQL only); once
    per transaction (``OutboxRepository.add`` sends it with the row it queues)."""
    if session.get_bind().dialect.name == "postgresql" and not notified(session, channel):
        session.connection().exec_driver_sql(f"NOTIFY {channel}")
        mark_notified(session, channel)


class Listener:
    """LISTEN on ``channel`` (and the channels of ``also``) in a thread; its ``wake`` is called in
    ``loop`` for each notification (and every wake once after every (re)connection, for anything
    sent while not listening)."""

    def __init__(
        self,
        url: str,
        wake: Callable[[], None],
        loop: asyncio.AbstractEventLoop,
        channel: str = OUTBOX,
        check_every: float = 0.5,
        *,
        also: Mapping[str, Callable[[], None]] | None = None,
    ) -> None:
        parsed = make_url(url)
        self.conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self.wake = wake
        self.loop = loop
        self.channel = channel
        self.wakes = {**(also or {}), channel: wake}
        self.check_every = check_every  # seconds between looks at "stop?" while waiting
        self.listening = False
        self.received = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-listener", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        import psycopg

        delay = 1.0
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self.conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                ) as connection:
                    for channel in self.wakes:
                        connection.execute(f"LISTEN {channel}")
                    self.listening, delay = True, 1.0
                    for wake in self.wakes.values():
                        self._wake(wake)
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=self.check_every):
                            self.received += 1
                            self._wake(self.wakes.get(note.channel, self.wake))
            except Exception as exc:
                if self._stop.is_set():
                    break
                log.warning(
                    "listening for outbox wake-ups failed (%s); again in %.0f s",
                    type(exc).__name__,
                    delay,
                )
            self.listening = False
            self._stop.wait(delay)
            delay = min(delay * 2, 30.0)

    def _wake(self, wake: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: the worker is stopping
            self.loop.call_soon_threadsafe(wake)
