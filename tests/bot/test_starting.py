"""Background start-up work: its result or its error reaches the thread that waits for it."""

from __future__ import annotations

import threading

import pytest

from bot.starting import Starting


def test_the_result_is_waited_for() -> None:
    release = threading.Event()
    done: list[str] = []

    def work() -> str:
        assert release.wait(10)
        done.append("work")
        return "ready"

    starting = Starting(work)
    starting.start()
    assert done == []  # still waiting: start() does not block
    release.set()
    assert starting.result() == "ready" and done == ["work"]


def test_the_error_is_raised_where_the_result_is_wanted() -> None:
    def work() -> str:
        raise ValueError("DATABASE_URL: broken")

    starting = Starting(work)
    starting.start()
    with pytest.raises(ValueError, match="DATABASE_URL: broken"):
        starting.result()
    with pytest.raises(ValueError):  # and again: a failed start-up stays failed
        starting.result()


def test_work_not_started_yet_runs_when_its_result_is_wanted() -> None:
    assert Starting(lambda: 42).result() == 42


def test_the_exit_waits_for_it() -> None:
    """Not a daemon thread: the interpreter's exit waits (a migration is never cut off)."""
    starting = Starting(lambda: None)
    assert not starting._thread.daemon
    starting.result()
