"""Building documents in a short-lived child process, so a long-running web worker never loads
the document libraries (fpdf2, openpyxl, python-docx: ~85 MB together) and stays small.

Off by default (the terminal and tests build in-process, which is faster); the webhook worker
turns it on with ``enable()``. The builder must be picklable: a module-level function or a bound
method of a plain object. The child is a fresh interpreter (``spawn``) that exits after the one
build, giving all its memory back.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
TIMEOUT = 120.0  # seconds; a document that takes longer is a bug, not a slow machine

_enabled = False


def enable(on: bool = True) -> None:
    """Build documents in child processes from now on (``on=False``: in this process)."""
    global _enabled
    _enabled = on


def enabled() -> bool:
    return _enabled


def build(builder: Callable[[], T]) -> T:
    """``builder()``, in a child process when isolation is on."""
    if not _enabled:
        return builder()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(builder).result(timeout=TIMEOUT)
