"""Giving a webhook worker's freed heap back to the system: glibc keeps memory freed after a
burst of updates (or a document's bytes) in its arenas, so the resident size only ever grows;
``malloc_trim(0)`` now and then returns the free pages. Nothing elsewhere (not glibc)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import sys
from collections.abc import Callable

TRIM_EVERY = 30.0  # seconds; one trim costs about a millisecond


def malloc_trim() -> Callable[[], None] | None:
    """glibc's ``malloc_trim(0)``, or None where there is none."""
    name = ctypes.util.find_library("c")
    if sys.platform != "linux" or not name:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int

    def call() -> None:
        trim(0)

    return call


async def trim_forever(every: float = TRIM_EVERY) -> None:
    """Trim every ``every`` seconds until cancelled (at once if there is nothing to call)."""
    trim = malloc_trim()
    if trim is None:
        return
    while True:
        await asyncio.sleep(every)
        with contextlib.suppress(OSError):
            trim()
