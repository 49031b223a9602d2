"""Giving a webhook worker's freed heap back to the system now and then: glibc keeps memory freed
after a burst of updates (or a document's bytes) in its arenas, so the resident size only ever
grows. The call itself is ``flows.heap`` (the document helper trims through it too); this module
owns only the worker's period."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from flows import heap

TRIM_EVERY = 30.0  # seconds; one trim costs about a millisecond


def malloc_trim() -> Callable[[], object] | None:
    """glibc's ``malloc_trim(0)``, or None where there is none."""
    return heap.trim if heap.available() else None


async def trim_forever(every: float = TRIM_EVERY) -> None:
    """Trim every ``every`` seconds until cancelled (at once if there is nothing to call)."""
    trim = malloc_trim()
    if trim is None:
        return
    while True:
        await asyncio.sleep(every)
        with contextlib.suppress(OSError):
            trim()
