"""Giving freed heap memory back to the system (glibc's ``malloc_trim``), so a long-running
process's resident size follows what it holds rather than the high-water mark of what it once
held: glibc keeps freed blocks in its arenas, and the large transient buffers of a document
(images, PDF bytes, result rows) leave holes it seldom returns by itself. Elsewhere (musl,
macOS) nothing happens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

_trim: Callable[[int], int] | None = None
_looked = False
_last = 0.0
_lock = threading.Lock()


def trim(every: float = 0.0) -> bool:
    """``malloc_trim(0)`` unless one ran less than ``every`` seconds ago; True when it ran."""
    global _last
    with _lock:
        now = time.monotonic()
        if _last and now - _last < every:
            return False
        _last = now
    function = _malloc_trim()
    if function is None:
        return False
    function(0)  # ctypes lets go of the GIL meanwhile
    return True


def _malloc_trim() -> Callable[[int], int] | None:
    global _trim, _looked
    if not _looked:
        _looked = True
        try:
            import ctypes

            _trim = ctypes.CDLL(None).malloc_trim  # the running program's C library
        except (OSError, AttributeError):
            _trim = None
    return _trim
