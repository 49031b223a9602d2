"""Giving freed heap back: glibc's malloc_trim where there is one, called until cancelled."""

from __future__ import annotations

import asyncio
import platform
import sys

import pytest

from bot.telegram import trim as trim_module
from bot.telegram.trim import malloc_trim, trim_forever

GLIBC = sys.platform == "linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_malloc_trim_is_found_and_callable_on_glibc() -> None:
    trim = malloc_trim()
    assert trim is not None
    trim()


def test_trim_forever_trims_every_period_until_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(trim_module, "malloc_trim", lambda: lambda: calls.append(1))

    async def scenario() -> None:
        task = asyncio.create_task(trim_forever(every=0.01))
        await asyncio.sleep(0)
        assert calls == []  # not at once: after the first period
        async with asyncio.timeout(10):
            while len(calls) < 3:
                await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        done = len(calls)
        await asyncio.sleep(0.05)
        assert len(calls) == done  # none after cancelling

    asyncio.run(scenario())


def test_without_malloc_trim_it_returns_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trim_module, "malloc_trim", lambda: None)
    asyncio.run(asyncio.wait_for(trim_forever(every=0.01), 60.0))  # returns, or hangs
