"""Documents built in a child process (what webhook workers do) come out the same: every
document builder and its input cross the process boundary. The dialogue tests that end in a
PDF, an XLSX or a DOCX are run again with isolation on."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import isolation
from tests.bot.dialogue import test_coordinator_dialogue as coordinator
from tests.bot.dialogue import test_digcomp_dialogue as digcomp
from tests.bot.dialogue import test_sustainability_dialogue as sustainability
from tests.conftest import build_test_dialogue
from tests.support import slow_warm_up


@pytest.fixture
def isolated() -> Iterator[None]:
    isolation.enable()
    yield
    isolation.enable(False)


def test_build_runs_in_another_process(isolated: None) -> None:
    assert isolation.build(os.getpid) != os.getpid()


def test_off_by_default_builds_here() -> None:
    assert not isolation.enabled()
    assert isolation.build(os.getpid) == os.getpid()


def test_pdf_xlsx_and_docx_are_built_isolated(isolated: None, tmp_path: Path) -> None:
    def fresh(name: str) -> str:
        return f"sqlite:///{tmp_path / name}"

    digcomp.test_quick_assessment_gives_profile_chart_and_pdf_and_is_saved(
        build_test_dialogue(fresh("d.db"))
    )
    coordinator.test_risk_checklist_paused_resumed_after_restart_with_register_and_reminder(
        fresh("r.db")
    )
    coordinator.test_partner_search_call_in_both_languages_with_a_docx(
        build_test_dialogue(fresh("p.db"))
    )
    sustainability.test_a_plan_for_a_finished_ka2_project_with_reminders_after_a_restart(
        fresh("s.db")
    )


# ---- the long-lived helper ----------------------------------------------------------------


def _fail() -> None:
    raise ValueError("broken builder")


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            state = next(line for line in handle if line.startswith("State:"))
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "Z" not in state.split()[1]


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return not _alive(pid)


def test_one_helper_serves_many_documents(isolated: None) -> None:
    first = isolation.build(os.getpid)
    assert first != os.getpid()
    assert isolation.build(os.getpid) == first
    assert isolation.helper_pid() == first


def _taken_over(old: int, seconds: float = 60) -> int | None:
    """The helper in use once another than ``old`` is (None: not within ``seconds``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pid = isolation.helper_pid()
        if pid not in (None, old):
            return pid
        time.sleep(0.05)
    return None


def test_helper_is_recycled_after_n_documents(
    isolated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolation.enable(False)  # a helper started with the setting below
    isolation.enable()
    monkeypatch.setattr(isolation, "RECYCLE_DOCUMENTS", 2)
    first = isolation.build(os.getpid)
    assert isolation.build(os.getpid) == first  # the second document: recycling is due
    successor = _taken_over(first)
    assert successor is not None
    assert _gone_within(first, 60)
    assert isolation.build(os.getpid) == successor


def test_a_helper_due_to_be_recycled_serves_until_its_successor_is_warm(
    isolated: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert isolation.wait_ready(60)
    monkeypatch.setattr(isolation, "RECYCLE_DOCUMENTS", 1)
    # helpers started from now on stay cold until the gate opens (the function crosses by name)
    gate = tmp_path / "warm"
    monkeypatch.setattr(
        isolation, "_warm_up", functools.partial(slow_warm_up.until_exists, str(gate))
    )
    first = isolation.build(os.getpid)  # recycling due: the successor starts warming up
    assert isolation.build(os.getpid) == first  # not waiting for the cold successor
    gate.touch()
    successor = _taken_over(first)
    assert successor is not None
    assert _gone_within(first, 60)
    assert isolation.build(os.getpid) == successor


def test_helper_is_recycled_above_its_memory_limit(
    isolated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolation.enable(False)
    isolation.enable()
    monkeypatch.setattr(isolation, "RECYCLE_MB", 1.0)  # any interpreter holds more
    first = isolation.build(os.getpid)
    successor = _taken_over(first)
    assert successor is not None
    assert _gone_within(first, 60)


def test_a_builder_error_reaches_the_caller_and_the_helper_goes_on(isolated: None) -> None:
    pid = isolation.build(os.getpid)
    with pytest.raises(ValueError, match="broken builder"):
        isolation.build(_fail)
    assert isolation.build(os.getpid) == pid


def test_a_hanging_build_times_out_and_the_next_one_works(
    isolated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    hung = isolation.build(os.getpid)
    monkeypatch.setattr(isolation, "TIMEOUT", 1.5)
    with pytest.raises(isolation.DocumentTimeout):
        isolation.build(functools.partial(time.sleep, 600))
    assert _gone_within(hung, 60)  # killed, not left running
    fresh = _taken_over(hung)  # a new one warms up at once, before the next document
    assert fresh not in (None, os.getpid())
    assert isolation.build(os.getpid) == fresh


def _libraries_loaded() -> bool:
    return {"fpdf", "PIL.ImageDraw", "flows.digcomp.report"} <= set(sys.modules)


def test_enabling_starts_a_warm_helper_before_the_first_document(isolated: None) -> None:
    assert isolation.wait_ready(60)  # started ahead, with no document asked for
    started = isolation.helper_pid()
    assert started is not None
    assert isolation.build(_libraries_loaded) is True  # the sample result loaded them
    assert isolation.build(os.getpid) == started


def test_waiting_for_the_helper_starts_one_and_is_false_when_isolation_is_off() -> None:
    assert not isolation.wait_ready(1.0)
    isolation.enable(prestart=False)
    try:
        assert isolation.helper_pid() is None
        assert isolation.wait_ready(60)
        assert isolation.build(_libraries_loaded) is True  # warmed up before it is in use
    finally:
        isolation.enable(False)


def test_a_new_helpers_warm_up_does_not_count_against_the_time_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A warm-up longer than the time-out by construction, and a time-out ample for the build
    # itself (it was 0.2 s against the real warm-up: a loaded machine may take longer to answer
    # at all).
    monkeypatch.setattr(isolation, "_warm_up", slow_warm_up.warm_up)
    monkeypatch.setattr(isolation, "TIMEOUT", slow_warm_up.SECONDS / 2)
    isolation.enable(prestart=False)
    try:
        assert isolation.build(os.getpid) != os.getpid()
    finally:
        isolation.enable(False)


def test_a_recycled_helper_is_replaced_ahead_of_the_next_document(
    isolated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(isolation, "RECYCLE_DOCUMENTS", 1)
    first = isolation.build(os.getpid)
    deadline = time.monotonic() + 60
    while isolation.helper_pid() in (None, first) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert isolation.helper_pid() not in (None, first)


CHILD = """
import functools, os, sys, time
from flows import isolation
from tests.support import slow_warm_up
isolation.enable()
print(isolation.build(os.getpid), flush=True)
if sys.argv[1] == "busy":
    isolation.build(functools.partial(slow_warm_up.mark_then_sleep, sys.argv[2], 600))
else:
    time.sleep(600)
"""


@pytest.mark.parametrize("state", ["busy", "idle"])
def test_the_helper_ends_when_its_parent_is_killed(state: str, tmp_path: Path) -> None:
    building = tmp_path / "building"
    parent = subprocess.Popen(
        [sys.executable, "-c", CHILD, state, str(building)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert parent.stdout is not None
        helper = int(parent.stdout.readline())  # it answered: waiting for the next document
        assert _alive(helper)
        if state == "busy":  # until the helper has begun the long build
            slow_warm_up.until_exists(str(building))
            assert building.exists()
    finally:
        parent.kill()
        parent.wait()
    assert _gone_within(helper, 60)
