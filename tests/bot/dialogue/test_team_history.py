"""Who last changed each item of a shared register, in chat and in the XLSX, and the
coordinator's activity sheet; someone who erased their data shows as a former member."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from bot.dialogue.core import Dialogue
from flows.dates import local_today, show_date
from tests.bot.dialogue.group_helpers import Person
from tests.bot.dialogue.team_helpers import (
    choose,
    coordinator_with_project,
    finish_checklist,
    invite,
    joins,
)
from tests.bot.helpers import buttons
from tests.conftest import build_test_dialogue

WORDS = {
    "lv": {
        "by": "Mainīja: Name200, {day}",
        "column": "Pēdējās izmaiņas",
        "activity": "Aktivitāte",
        "former": "bijušais komandas dalībnieks",
        "tool": "Projekta risku kontrolsaraksts",
        "yes": "Jā",
    },
    "en": {
        "by": "Changed by Name200, {day}",
        "column": "Last changed",
        "activity": "Activity",
        "former": "a former team member",
        "tool": "Project risk checklist",
        "yes": "Yes",
    },
}
GOALS_CHECK = {
    "lv": "Partneriem ir kopīgi, rakstiski saskaņoti projekta mērķi",
    "en": "The partners share goals, expected results and a vision",
}


@pytest.fixture
def core(database_url: str) -> Iterator[Dialogue]:
    dialogue = build_test_dialogue(database_url)
    yield dialogue
    dialogue.db.dispose()


def workbook(person: Person) -> dict[str, list[list[object]]]:
    """The register's XLSX from the landing's files button, sheet by sheet."""
    person.command("/risks")
    person.send("button", "go:risks:files")
    data = next(f.data for r in person.last for f in r.files if f.filename.endswith(".xlsx"))
    book = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book
    }


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_who_last_changed_each_item_and_the_activity_log(core: Dialogue, lang: str) -> None:
    words = WORDS[lang]
    day = show_date(local_today())
    coordinator = coordinator_with_project(core, 100, lang)
    finish_checklist(coordinator)
    member = joins(core, 200, invite(coordinator, "member"), lang)
    viewer = joins(core, 300, invite(coordinator, "viewer"), lang)
    member.command("/risks")
    member.send("button", "go:risks:edit")
    choose(member, "prerequisites")
    choose(member, "pre-goals")
    choose(member, "partly")
    choose(member, "22")
    choose(member, "ok")

    viewer.command("/risks")  # the team's register: each risk says who changed it last
    level = next(b.data for b in buttons(viewer.last) if b.data.startswith("det:risks:1"))
    viewer.send("button", level)
    assert words["by"].format(day=day) in viewer.text()

    sheets = workbook(viewer)
    register = next(iter(sheets.values()))
    assert register[0][-1] == words["column"]
    assert register[1][-1] == f"Name200, {day}"
    assert words["activity"] not in sheets  # the activity log is the coordinator's

    sheets = workbook(coordinator)
    checklist = list(sheets.values())[1]
    goals = next(row for row in checklist if GOALS_CHECK[lang] in str(row[1]))
    assert goals[-1] == f"Name200, {day}"
    assert any(row[-1] == f"Name100, {day}" for row in checklist[1:])
    log = sheets[words["activity"]]
    assert len(log) == 3  # the header, the member's change, the coordinator's register
    assert log[1][1:3] == ["Name200", words["tool"]]
    assert str(log[1][3]).startswith(GOALS_CHECK[lang])
    assert log[2][1] == "Name100" and str(log[2][3]).count(";") == 27  # all 28 items

    member.command("/forget")
    member.press(words["yes"])
    sheets = workbook(coordinator)
    assert next(iter(sheets.values()))[1][-1] == f"{words['former']}, {day}"
    assert sheets[words["activity"]][1][1] == words["former"]


def test_a_project_only_its_coordinator_works_on_has_no_extra_column(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    finish_checklist(coordinator)
    sheets = workbook(coordinator)
    assert "Last changed" not in next(iter(sheets.values()))[0]
    assert "Activity" not in sheets
