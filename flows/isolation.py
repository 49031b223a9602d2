"""Building documents in a helper process, so a long-running web worker never loads the document
libraries (fpdf2, openpyxl, python-docx: ~85 MB together) and stays small.

Off by default (the terminal and tests build in-process, which is faster); the webhook worker
turns it on with ``enable()``. The builder must be picklable: a module-level function or a bound
method of a plain object.

The helper is one long-lived interpreter per worker (``spawn``), reused for every document. It
is started in the background as soon as isolation is enabled (``enable(prestart=True)``, the
default) and, before it is put in use, rehearses one DigComp result (``_warm_up``: Pillow,
fpdf2, the parsed fonts and the cached font cut); a worker waits for that (``wait_ready``)
before it reports ready, so its first document pays for neither the interpreter nor the
imports. It is recycled — it exits, giving all its memory back — after ``RECYCLE_DOCUMENTS``
documents or once it holds more than ``RECYCLE_MB`` resident: its successor starts then and
warms up while it goes on serving, and takes over once warm. A build that takes longer than
``TIMEOUT`` raises ``DocumentTimeout``; the helper is killed and a new one warms up for the
next build. The helper exits within ``PARENT_CHECK`` seconds of its parent's death, even in the
middle of a build, so a killed worker never leaves one behind.
"""

from __future__ import annotations

import logging
import os
import resource
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flows import heap

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
READY_TIMEOUT = 10.0  # seconds ``wait_ready`` waits by default (a worker: then it serves anyway)

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
        _helper.prestart()


def enabled() -> bool:
    return _enabled


def build(builder: Callable[[], T]) -> T:
    """``builder()``, in the helper process when isolation is on."""
    if not _enabled:
        return builder()
    return _helper.run(builder)


def wait_ready(timeout: float | None = None) -> bool:
    """Until a warmed-up helper is in use, starting one if none is running or on its way (a
    worker calls this before it reports ready); False when isolation is off or no helper was
    warm within ``timeout`` seconds (default ``READY_TIMEOUT``; the first document then waits
    for it)."""
    return _enabled and _helper.ready(READY_TIMEOUT if timeout is None else timeout)


def helper_pid() -> int | None:
    """The running helper's process id, if one is running (for tests and health figures)."""
    return _helper.pid()


class _Process:
    """One helper process (``spawn``) and the pipe to it."""

    def __init__(self) -> None:
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
        self.process: BaseProcess = process
        self.connection: Connection = ours

    def alive(self) -> bool:
        return self.process.is_alive()

    def wait_warm(self, timeout: float) -> bool:
        """Until the helper says it has warmed up; False when it did not within ``timeout``
        seconds or ended."""
        try:
            if not self.connection.poll(timeout):
                return False
            status, _, _ = self.connection.recv()
        except (EOFError, OSError):
            return False
        return bool(status == "ready")

    def stop(self) -> None:
        self.connection.close()  # an idle helper sees end of input and exits
        self.process.join(1.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5.0)


class _Helper:
    """The helper in use (one build at a time: a lock) and the one warming up to take over:
    the first, or the successor of one that is due to be recycled, a timed-out or a dead one.
    A helper is put in use only once it has warmed up; one due to be recycled goes on serving
    until then, so no document waits for a cold interpreter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # held for a build; guards ``_current``
        self._current: _Process | None = None
        self._coming_lock = threading.Lock()  # guards ``_coming`` and ``_starting``
        self._coming: threading.Event | None = None  # set when the coming one is in use or failed
        self._starting: _Process | None = None

    def pid(self) -> int | None:
        current = self._current
        return current.process.pid if current is not None and current.alive() else None

    def prestart(self) -> None:
        """Start warming up a helper unless one is in use or on its way."""
        if self.pid() is None:
            self._replace()

    def ready(self, timeout: float) -> bool:
        """Until a warmed-up helper is in use (starting one if needed), at most ``timeout``
        seconds; False when none is by then or isolation is off."""
        deadline = time.monotonic() + timeout
        while _enabled:
            if self.pid() is not None:
                return True
            left = deadline - time.monotonic()
            if left <= 0 or not self._replace().wait(left):
                break
        return self.pid() is not None

    def run(self, builder: Callable[[], T]) -> T:
        # The recycling limits travel with each build: a helper started ahead of time follows
        # the settings in force when it builds.
        work = (builder, RECYCLE_DOCUMENTS, RECYCLE_MB)
        while True:
            with self._lock:
                helper = self._current
                if helper is not None:
                    try:
                        if helper.alive():
                            helper.connection.send(work)
                            return self._answer(helper)
                    except (BrokenPipeError, EOFError, OSError):  # died while idle
                        pass
                    self._current = None
                    helper.stop()
            # A new helper's start-up and warm-up do not count against the build's time.
            if not self.ready(START_TIMEOUT):
                raise DocumentTimeout(f"no document helper started within {START_TIMEOUT:.0f} s")

    def _answer(self, helper: _Process) -> Any:
        """The result of the build just sent to ``helper`` (the lock held)."""
        connection = helper.connection
        if not connection.poll(TIMEOUT):
            self._drop_locked(helper)
            raise DocumentTimeout(f"the document was not built within {TIMEOUT:.0f} s")
        try:
            status, value, recycle = connection.recv()
        except (EOFError, OSError):
            self._drop_locked(helper)
            raise HelperDied("the document helper ended during a build") from None
        if recycle:  # its successor warms up now; this one serves until it is ready
            self._replace()
        if status == "error":
            raise value
        return value

    def _drop_locked(self, helper: _Process) -> None:
        """End ``helper`` (hung or dead) and start warming up the next one at once."""
        self._current = None
        helper.stop()
        self._replace()

    def stop(self) -> None:
        with self._coming_lock:
            starting = self._starting
        if starting is not None:
            starting.process.kill()  # its warm-up ends; it is never put in use
        with self._lock:
            helper, self._current = self._current, None
            if helper is not None:
                helper.stop()

    def _replace(self) -> threading.Event:
        """Start warming up the next helper in a background thread, unless one is already on
        its way; the event is set once it is in use (or has failed to start)."""
        with self._coming_lock:
            if self._coming is None:
                self._coming = threading.Event()
                threading.Thread(
                    target=self._bring_up,
                    args=(self._coming,),
                    name="document-helper-start",
                    daemon=True,
                ).start()
            return self._coming

    def _bring_up(self, done: threading.Event) -> None:
        """Start a helper, wait for its warm-up, put it in use and retire the one before it."""
        helper: _Process | None = None
        old: _Process | None = None
        try:
            helper = _Process()
            with self._coming_lock:
                self._starting = helper
            warm = helper.wait_warm(START_TIMEOUT)
        except Exception as exc:  # the next document tries again
            log.warning("document helper not started (%s)", type(exc).__name__)
            warm = False
        if warm and helper is not None:
            with self._lock:  # after the build under way, if any
                if _enabled:
                    old, self._current, helper = self._current, helper, None
        with self._coming_lock:
            self._coming = self._starting = None
        done.set()
        for retired in (helper, old):  # not warm or no longer wanted; the one replaced
            if retired is not None:
                retired.stop()


_helper = _Helper()


def _warm_up() -> None:
    """Build one sample DigComp result and drop it: imports Pillow and fpdf2 and parses the
    fonts, as the first real document would. A failure here only costs the head start."""
    from flows.digcomp.report import rehearse

    rehearse()


def _serve(
    connection: Connection, parent: int, check: float, warm_up: Callable[[], None] | None = None
) -> None:
    """The helper's loop: ``warm_up()`` first and say "ready", then build what comes (a
    builder and the recycling limits), answering ("ok" | "error", value, recycle), until the
    pipe is closed (a helper due to be recycled serves until its successor is warm)."""
    threading.Thread(target=_watch_parent, args=(parent, check), daemon=True).start()
    if warm_up is not None:
        try:
            warm_up()
        except Exception as exc:
            log.warning("document helper warm-up failed (%s)", type(exc).__name__)
    heap.trim()  # what the warm-up freed goes back to the system
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
        del builder  # the document's input goes before the trim (its output is small)
        heap.trim()  # the build's transient buffers go back: recycling sees what is held
        recycle = built >= documents or _resident_mb() > limit_mb
        try:
            connection.send((*reply, recycle))
        except Exception as exc:  # an unpicklable result or error
            connection.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), recycle))


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
