"""Building documents in a helper process, so a long-running web worker never loads the document
libraries (fpdf2, openpyxl, python-docx: ~85 MB together) and stays small.

Off by default (the terminal and tests build in-process, which is faster); the webhook worker
turns it on with ``enable()``. The builder must be picklable: a module-level function or a bound
method of a plain object.

The helper is one long-lived interpreter per worker (``spawn``), reused for every document. It
is started in the background as soon as isolation is enabled (``enable(prestart=True)``, the
default) and, before it waits for work, rehearses one DigComp result (``_warm_up``: Pillow,
fpdf2, the parsed fonts), so the worker's first document pays for neither the interpreter nor
the imports. It is recycled — it exits, giving all its memory back, and a new one starts —
after ``RECYCLE_DOCUMENTS`` documents or once it holds more than ``RECYCLE_MB`` resident. A
build that takes longer than ``TIMEOUT`` (a new helper's warm-up not counted) raises
``DocumentTimeout``; the helper is killed and the next build gets a new one. The helper exits
within ``PARENT_CHECK`` seconds of its parent's death, even in the middle of a build, so a
killed worker never leaves one behind.
"""

from __future__ import annotations

import logging
import os
import resource
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # multiprocessing (~1.4 MB) is imported when a helper is first started
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)

T = TypeVar("T")
TIMEOUT = 120.0  # seconds; a document that takes longer is a bug, not a slow machine
RECYCLE_DOCUMENTS = 200
RECYCLE_MB = 200.0
PARENT_CHECK = 0.5  # seconds between the helper's checks that its parent is alive
START_TIMEOUT = 60.0  # seconds a new helper may take to start and warm up, besides ``TIMEOUT``

_enabled = False


class DocumentTimeout(RuntimeError):
    """A document build did not finish within ``TIMEOUT`` seconds (its helper was killed)."""


class HelperDied(RuntimeError):
    """The helper process ended in the middle of a build (killed, or out of memory)."""


def enable(on: bool = True, *, prestart: bool = True) -> None:
    """Build documents in the helper process from now on (``on=False``: in this process).
    ``prestart``: start the helper now, in a background thread, rather than on the first
    document."""
    global _enabled
    _enabled = on
    if not on:
        _helper.stop()
    elif prestart:
        _start_ahead()


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
        self._ready = False  # the helper has said it is warmed up

    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def prestart(self) -> None:
        """Start the helper if isolation is (still) on and none is running."""
        try:
            with self._lock:
                if _enabled:
                    self._start()
        except Exception as exc:  # the first document starts one instead
            log.warning("document helper not started ahead (%s)", type(exc).__name__)

    def run(self, builder: Callable[[], T]) -> T:
        # The recycling limits travel with each build: a helper started ahead of time follows
        # the settings in force when it builds.
        work = (builder, RECYCLE_DOCUMENTS, RECYCLE_MB)
        with self._lock:
            connection = self._start()
            try:
                connection.send(work)
            except (BrokenPipeError, EOFError, OSError):  # died while idle: one more try
                self._stop_locked()
                connection = self._start()
                connection.send(work)
            while True:  # a new helper's warm-up does not count against the build's time
                if not connection.poll(TIMEOUT + (0.0 if self._ready else START_TIMEOUT)):
                    self._stop_locked()
                    raise DocumentTimeout(f"the document was not built within {TIMEOUT:.0f} s")
                try:
                    status, value, recycle = connection.recv()
                except (EOFError, OSError):
                    self._stop_locked()
                    raise HelperDied("the document helper ended during a build") from None
                if status != "ready":
                    break
                self._ready = True
            if recycle:
                self._stop_locked()
        if recycle:  # the next one starts (and warms up) now, not on the next document
            _start_ahead()
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
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(
            target=_serve,
            args=(theirs, os.getpid(), PARENT_CHECK, _warm_up),
            name="document-helper",
            daemon=True,
        )
        process.start()
        theirs.close()
        self._process, self._connection, self._ready = process, ours, False
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


def _start_ahead() -> None:
    """Start the helper in a background thread (so no caller waits for it)."""
    threading.Thread(target=_helper.prestart, name="document-helper-start", daemon=True).start()


def _warm_up() -> None:
    """Build one sample DigComp result and drop it: imports Pillow and fpdf2 and parses the
    fonts, as the first real document would. A failure here only costs the head start."""
    from flows.digcomp.report import rehearse

    rehearse()


def _serve(
    connection: Connection, parent: int, check: float, warm_up: Callable[[], None] | None = None
) -> None:
    """The helper's loop: ``warm_up()`` first and say "ready", then build what comes (a
    builder and the recycling limits), answering ("ok" | "error", value, recycle)."""
    threading.Thread(target=_watch_parent, args=(parent, check), daemon=True).start()
    if warm_up is not None:
        try:
            warm_up()
        except Exception as exc:
            log.warning("document helper warm-up failed (%s)", type(exc).__name__)
    try:
        connection.send(("ready", None, False))
    except (BrokenPipeError, OSError):
        return
    built = 0
    while True:
        try:
            builder, documents, limit_mb = connection.recv()
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
