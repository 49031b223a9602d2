"""Waking the leader's outbox sender across workers: PostgreSQL LISTEN/NOTIFY.

A transaction that queues replies (an input's outbox row, claimed reminders) or finishes a
document job also sends ``NOTIFY celvedis_outbox``; PostgreSQL delivers it when (and only if) the
transaction commits. Each worker's ``Listener`` waits for it on a connection of its own (outside
the pool, in autocommit, no queries while waiting) and wakes its sender at once, so the sender
needs no fast polling: it looks at most once a second when nothing arrives (the fallback, in
case a notification was missed while the listener was reconnecting). SQLite has one worker
process, whose own wake-ups are enough; ``notify`` does nothing there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from storage.db import CONNECT_TIMEOUT_S
from storage.delivery import OUTBOX_CHANNEL, mark_notified, notified

log = logging.getLogger(__name__)

OUTBOX = OUTBOX_CHANNEL


def notify(session: Session, channel: str = OUTBOX) -> None:
    """Wake the listeners on ``channel`` when this transaction commits (PostgreSQL only); once
    per transaction (``OutboxRepository.add`` sends it with the row it queues)."""
    if session.get_bind().dialect.name == "postgresql" and not notified(session, channel):
        session.connection().exec_driver_sql(f"NOTIFY {channel}")
        mark_notified(session, channel)


class Listener:
    """LISTEN on one channel in a thread; ``wake`` is called in ``loop`` for each notification
    (and once after every (re)connection, for anything sent while not listening)."""

    def __init__(
        self,
        url: str,
        wake: Callable[[], None],
        loop: asyncio.AbstractEventLoop,
        channel: str = OUTBOX,
        check_every: float = 0.5,
    ) -> None:
        parsed = make_url(url)
        self.conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self.wake = wake
        self.loop = loop
        self.channel = channel
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
                    connection.execute(f"LISTEN {self.channel}")
                    self.listening, delay = True, 1.0
                    self._wake()
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=self.check_every):
                            self.received += 1
                            self._wake()
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

    def _wake(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: the worker is stopping
            self.loop.call_soon_threadsafe(self.wake)
