"""Giving freed heap memory back to the system (glibc's ``malloc_trim``), so the document
helper's resident size follows what it holds rather than the high-water mark of what it once
held: glibc keeps freed blocks in its arenas, and a document's large transient buffers (images,
fonts being subset, PDF bytes) leave holes it seldom returns by itself. Elsewhere (musl, macOS)
nothing happens."""

from __future__ import annotations

from collections.abc import Callable

_trim: Callable[[int], int] | None = None
_looked = False


def trim() -> bool:
    """``malloc_trim(0)``; True when it ran (glibc)."""
    function = _malloc_trim()
    if function is None:
        return False
    function(0)  # ctypes lets go of the GIL meanwhile
    return True


def available() -> bool:
    """Whether ``trim`` does anything here (glibc)."""
    return _malloc_trim() is not None


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
