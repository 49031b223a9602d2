"""A document helper's warm-up that takes ``SECONDS`` (tests/flows/test_isolation.py): a module
of its own, so the helper process can import it cheaply."""

from __future__ import annotations

import time

SECONDS = 6.0


def warm_up() -> None:
    time.sleep(SECONDS)
