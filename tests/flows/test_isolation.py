"""Documents built in a child process (what webhook workers do) come out the same: every
document builder and its input cross the process boundary. The dialogue tests that end in a
PDF, an XLSX or a DOCX are run again with isolation on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import isolation
from tests.bot.dialogue import test_coordinator_dialogue as coordinator
from tests.bot.dialogue import test_digcomp_dialogue as digcomp
from tests.bot.dialogue import test_sustainability_dialogue as sustainability
from tests.conftest import build_test_dialogue


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
