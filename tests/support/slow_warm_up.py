"""Slow and gated work for the document helper (tests/flows/test_isolation.py): a module of
its own, so the helper process can import it cheaply. A warm-up that takes ``SECONDS``; one that
waits until the test lets it go (a file appears); a build that says it has begun."""

from __future__ import annotations

import time
from pathlib import Path

SECONDS = 12.0
CEILING = 300.0  # seconds a gate is waited for: only a broken test gets there


def warm_up() -> None:
    time.sleep(SECONDS)


def until_exists(path: str) -> None:
    """Return once ``path`` exists (the test's go-ahead)."""
    deadline = time.monotonic() + CEILING
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def mark_then_sleep(path: str, seconds: float) -> None:
    """Create ``path`` (the build has begun), then sleep ``seconds``."""
    Path(path).touch()
    time.sleep(seconds)
