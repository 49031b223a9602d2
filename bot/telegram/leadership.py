"""Which webhook worker runs the singletons (the outbox sender, reminders, housekeeping).

On PostgreSQL: whoever holds a session-level advisory lock; it is released by the database when
the holder's connection ends, so a crashed leader is replaced within a second. On SQLite (one
process) the only worker always leads.
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import Connection, text

from storage.db import Database

log = logging.getLogger(__name__)

LOCK_KEY = 0x43656C76  # "Celv": an arbitrary constant shared by all workers


class Leadership:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: Connection | None = None
        self._released = False  # for good: a try still under way must not take the lock again

    @property
    def held(self) -> bool:
        return self.db.dialect != "postgresql" or self._connection is not None

    def try_acquire(self) -> bool:
        """Leader now? Checks a held lock's connection is still alive (blocking; use a thread)."""
        if self.db.dialect != "postgresql":
            return True
        if self._released:
            return False
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                self._connection.commit()  # never left idle in a transaction
                return True
            except Exception:
                log.warning("lost the leader's database connection")
                self._drop()
        try:
            connection = self.db.engine.connect()
        except Exception as exc:
            log.warning("cannot reach the database for the leader lock: %s", type(exc).__name__)
            return False
        try:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}
            ).scalar()
            connection.commit()
            if got:
                self._connection = connection
                if self._released:  # released meanwhile: let go of it with the connection
                    self._drop()
                    return False
                log.info("this worker now leads (sends the outbox and reminders)")
                return True
        except Exception as exc:
            log.warning("could not try the leader lock: %s", type(exc).__name__)
        with contextlib.suppress(Exception):
            connection.rollback()
            connection.close()
        return False

    def release(self) -> None:
        """Give the lock up for good (the worker is stopping)."""
        self._released = True
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            self._connection.commit()
        except Exception:
            log.warning("could not release the leader lock; the database will on disconnect")
        self._drop()

    def _drop(self) -> None:
        """Close the lock's connection for real (not back to the pool, where the session lock
        would live on)."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.invalidate()
                self._connection.close()
            self._connection = None
