"""Work started in a background thread whose result is needed later: ``result()`` waits for it
and raises its error in the waiting thread (so a start-up problem is reported as usual).

The thread is not a daemon: a program ending (end of input, Ctrl-C) waits for it, so a
database migration under way is never cut off by the interpreter's exit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Starting(Generic[T]):
    """``work`` run once in a thread of its own, from ``start()``."""

    def __init__(self, work: Callable[[], T], name: str = "start-up") -> None:
        self._work = work
        self._thread = threading.Thread(target=self._run, name=name)
        self._value: T | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # handed to the waiting thread
            self._error = exc

    def result(self) -> T:
        """The work's return value, once it is done (started here if it was not yet)."""
        if not self._thread.is_alive() and self._thread.ident is None:
            self._thread.start()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
