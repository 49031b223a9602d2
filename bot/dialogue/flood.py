"""Flood control for incoming messages, kept on the user's row so every worker agrees.

A user sending more than ``max_inputs`` inputs within ``window`` gets one polite note and is
then ignored until ``mute`` has passed; other users are not affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from storage.repositories import UserRow

Verdict = Literal["ok", "warn", "ignore"]


@dataclass(frozen=True)
class FloodLimits:
    max_inputs: int = 20
    window: timedelta = timedelta(seconds=10)
    mute: timedelta = timedelta(seconds=30)

    def check(self, user: UserRow, now: datetime) -> Verdict:
        """Count this input on ``user`` and say whether to handle it."""
        if user.muted_until is not None and now < user.muted_until:
            return "ignore"
        start = user.flood_window_start
        if start is None or now - start >= self.window:
            user.flood_window_start, user.flood_count = now, 0
        user.flood_count = (user.flood_count or 0) + 1
        if user.flood_count > self.max_inputs:
            user.muted_until = now + self.mute
            user.flood_window_start, user.flood_count = None, 0
            return "warn"
        return "ok"
