"""Keeping the first name a project's team sees current, cheaply: Telegram sends the name with
every update, and the team's rows are written only when it changed. Each worker remembers the
names it confirmed lately, so most inputs cost no statement at all; a name is looked at again
at least every ``RECHECK`` (another worker may have seen a change in between)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy.orm import Session

from storage.team import remember_name

RECHECK = 600.0  # seconds a confirmed name is trusted without asking the database
KEPT = 10_000  # names remembered per worker (the least recently confirmed go first)


class NameKeeper:
    """Writes a user's first name to their teams when it is new to this worker."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._confirmed: OrderedDict[int, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(
        self, session: Session, user_id: int, first_name: str | None, *, new_user: bool = False
    ) -> bool:
        """Update the user's team rows when ``first_name`` differs from theirs (within the
        input's transaction); True when the database was asked. A user this input created
        (``new_user``) is on no team yet: the name is remembered without asking."""
        if not first_name:
            return False
        name = first_name[:64]
        now = self.clock()
        with self._lock:
            known = self._confirmed.get(user_id)
            if known is not None and known[0] == name and now - known[1] < RECHECK:
                return False
        if not new_user:
            remember_name(session, user_id, name)
        with self._lock:
            self._confirmed[user_id] = (name, now)
            self._confirmed.move_to_end(user_id)
            while len(self._confirmed) > KEPT:
                self._confirmed.popitem(last=False)
        return not new_user

    def forget(self, user_id: int) -> None:
        """The user's rows changed otherwise (joined a team, erased): ask again next time."""
        with self._lock:
            self._confirmed.pop(user_id, None)
