"""Pacing outgoing messages to Telegram's limits: about 30 a second overall and about one a
second per chat (short bursts allowed). Token buckets; waiting never blocks other chats."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = burst
        self.updated = clock()

    def delay(self) -> float:
        """Take one token; the seconds to wait before using it (0 when one was available)."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Pacer:
    """One overall bucket and one per chat; ``await pacer.wait(chat_id)`` before each message."""

    def __init__(
        self,
        overall_rate: float = 30.0,
        chat_rate: float = 1.0,
        chat_burst: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.overall = TokenBucket(overall_rate, overall_rate, clock)
        self.chat_rate = chat_rate
        self.chat_burst = chat_burst
        self.chats: dict[int, TokenBucket] = {}
        self.paused_until = 0.0

    def delay(self, chat_id: int) -> float:
        bucket = self.chats.get(chat_id)
        if bucket is None:
            if len(self.chats) > 10_000:  # forget chats that have refilled completely
                self._forget_idle()
            bucket = self.chats[chat_id] = TokenBucket(self.chat_rate, self.chat_burst, self.clock)
        pause = max(0.0, self.paused_until - self.clock())
        return max(pause, bucket.delay(), self.overall.delay())

    async def wait(self, chat_id: int) -> None:
        delay = self.delay(chat_id)
        if delay > 0:
            await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Telegram said "retry after": hold every chat that long."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def _forget_idle(self) -> None:
        now = self.clock()
        full = self.chat_burst / self.chat_rate
        self.chats = {c: b for c, b in self.chats.items() if now - b.updated < full}
