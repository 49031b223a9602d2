"""Building documents in a helper process, so a long-running web worker never loads the document
libraries (fpdf2, openpyxl, python-docx: ~85 MB together) and stays small.

Off by default (the terminal and tests build in-process, which is faster); the webhook worker
turns it on with ``enable()``. The builder must be picklable: a module-level function or a bound
method of a plain object.

The helper is one long-lived interpreter per worker (``spawn``), started on the first document
and reused, so only the first document pays for an interpreter and the libraries' imports. It is
recycled — it exits and the next document starts a new one, giving all its memory back — after
``RECYCLE_DOCUMENTS`` documents or once it holds more than ``RECYCLE_MB`` resident. A build that
takes longer than ``TIMEOUT`` raises ``DocumentTimeout``; the helper is killed and the next build
gets a new one. The helper exits within ``PARENT_CHECK`` seconds of its parent's death, even in
the middle of a build, so a killed worker never leaves one behind.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

T = TypeVar("T")
TIMEOUT = 120.0  # seconds; a document that takes longer is a bug, not a slow machine
RECYCLE_DOCUMENTS = 200
RECYCLE_MB = 200.0
PARENT_CHECK = 0.5  # seconds between the helper's checks that its parent is alive

_enabled = False


class DocumentTimeout(RuntimeError):
    """A document build did not finish within ``TIMEOUT`` seconds (its helper was killed)."""


class HelperDied(RuntimeError):
    """The helper process ended in the middle of a build (killed, or out of memory)."""


def enable(on: bool = True) -> None:
    """Build documents in the helper process from now on (``on=False``: in this process)."""
    global _enabled
    _enabled = on
    if not on:
        _helper.stop()


def enabled() -> bool:
    return _enabled


def build(builder: Callable[[], T]) -> T:
    """``builder()``, in the helper process when isolation is on."""
    if not _enabled:
        return builder()
    return _helper.run(builder)


def helper_pid() -> int | None:
    """The running helper's process id, if one is running (for tests and health figures)."""
    return _helper.pid()


class _Helper:
    """One helper process and the pipe to it; one build at a time (a lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None

    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def run(self, builder: Callable[[], T]) -> T:
        with self._lock:
            connection = self._start()
            try:
                connection.send(builder)
            except (BrokenPipeError, EOFError, OSError):  # died while idle: one more try
                self._stop_locked()
                connection = self._start()
                connection.send(builder)
            if not connection.poll(TIMEOUT):
                self._stop_locked()
                raise DocumentTimeout(f"the document was not built within {TIMEOUT:.0f} s")
            try:
                status, value, recycle = connection.recv()
            except (EOFError, OSError):
                self._stop_locked()
                raise HelperDied("the document helper ended during a build") from None
            if recycle:
                self._stop_locked()
            if status == "error":
                raise value
            return value

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _start(self) -> Connection:
        if self._process is not None and self._process.is_alive() and self._connection:
            return self._connection
        self._stop_locked()
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(
            target=_serve,
            args=(theirs, os.getpid(), RECYCLE_DOCUMENTS, RECYCLE_MB, PARENT_CHECK),
            name="document-helper",
            daemon=True,
        )
        process.start()
        theirs.close()
        self._process, self._connection = process, ours
        return ours

    def _stop_locked(self) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            connection.close()  # an idle helper sees end of input and exits
        if process is not None:
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join(5.0)


_helper = _Helper()


def _serve(
    connection: Connection, parent: int, documents: int, limit_mb: float, check: float
) -> None:
    """The helper's loop: build what comes, answer ("ok" | "error", value, recycle)."""
    threading.Thread(target=_watch_parent, args=(parent, check), daemon=True).start()
    built = 0
    while True:
        try:
            builder = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", builder())
        except BaseException as exc:
            reply = ("error", exc)
        built += 1
        recycle = built >= documents or _resident_mb() > limit_mb
        try:
            connection.send((*reply, recycle))
        except Exception as exc:  # an unpicklable result or error
            connection.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), recycle))
        if recycle:
            return


def _watch_parent(parent: int, check: float) -> None:
    """End this process as soon as its parent is gone (it is re-parented when it dies)."""
    while os.getppid() == parent:
        time.sleep(check)
    os._exit(1)


def _resident_mb() -> float:
    """This process's resident size now (from /proc), or its peak where /proc is missing."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
