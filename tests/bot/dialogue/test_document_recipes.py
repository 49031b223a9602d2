"""A document named by its recipe (the webhook's document job) is made later byte for byte as
it is made at once: the DigComp result and its landing. The one difference: the moment of the
build a PDF records (``/CreationDate``, to the second, and the ``/ID`` hashed from it), as
between any two builds."""

from __future__ import annotations

import io
import json
import re

from openpyxl import load_workbook

from bot.dialogue import documents
from bot.dialogue.core import Dialogue
from bot.dialogue.messages import OutFile, Reply
from tests.bot.dialogue.group_helpers import Person
from tests.bot.dialogue.team_helpers import (
    choose,
    coordinator_with_project,
    finish_checklist,
    invite,
    joins,
)
from tests.bot.dialogue.test_digcomp_dialogue import begin
from tests.bot.helpers import USER, press, send
from tests.conftest import build_test_dialogue

AT_ONCE, LATER = 4242, 4343


def answer(
    dialogue: Dialogue, replies: list[Reply], label: str, times: int, user: int = USER
) -> list[Reply]:
    for _ in range(times):
        replies = press(dialogue, replies, label, user)
    return replies


def _files(replies: list[Reply]) -> list[OutFile]:
    return [f for r in replies for f in r.files]


def _unstamped(data: bytes) -> bytes:
    data = re.sub(rb"/CreationDate \(D:\d{14}Z\)", b"/CreationDate ()", data)
    return re.sub(rb"/ID \[<[0-9A-F]+><[0-9A-F]+>\]", b"/ID []", data)  # a hash of the above


def _made_later(dialogue: Dialogue, files: list[OutFile]) -> list[bytes]:
    made = []
    for file in files:
        assert file.job is not None and file.data == b""
        recipe = json.loads(json.dumps(file.job))  # stored as JSON, as the job table does
        made.append(_unstamped(documents.make(dialogue.flows, recipe)))
    return made


def test_deferred_digcomp_result_and_landing_are_the_same_bytes(dialogue: Dialogue) -> None:
    now = _files(answer(dialogue, begin(dialogue, user=AT_ONCE), "Patstāvīgi", 21, AT_ONCE))
    dialogue.defer_documents = True
    later = _files(answer(dialogue, begin(dialogue, user=LATER), "Patstāvīgi", 21, LATER))
    assert [f.filename for f in later] == [f.filename for f in now]
    assert [f.caption for f in later] == [f.caption for f in now]
    assert _made_later(dialogue, later) == [_unstamped(f.data) for f in now]
    assert later[0].job is not None and later[0].job["kind"] == "complete"
    # Opening it again shows the last result (a landing): also named, also the same bytes.
    landing_later = _files(send(dialogue, "command", "/digcomp", LATER))
    dialogue.defer_documents = False
    landing_now = _files(send(dialogue, "command", "/digcomp", AT_ONCE))
    assert landing_later and landing_later[0].job is not None
    assert landing_later[0].job["kind"] == "landing"
    assert _made_later(dialogue, landing_later) == [_unstamped(f.data) for f in landing_now]


def test_a_recipe_that_no_longer_names_a_file_is_refused(dialogue: Dialogue) -> None:
    dialogue.defer_documents = True
    [chart, _pdf] = _files(answer(dialogue, begin(dialogue), "Patstāvīgi", 21))
    assert chart.job is not None
    for broken in ({"flow": "nope"}, {"index": 7}, {"filename": "other.png"}):
        try:
            documents.spec(dialogue.flows, {**chart.job, **broken})
        except documents.RecipeError:
            continue
        raise AssertionError(f"{broken} was accepted")


def _sheets(data: bytes) -> dict[str, list[list[object]]]:
    book = load_workbook(io.BytesIO(data))
    return {s.title: [[c.value for c in row] for row in s.iter_rows()] for s in book}


def _register_files(person: Person) -> list[OutFile]:
    person.command("/risks")
    person.send("button", "go:risks:files")
    return [f for r in person.last for f in r.files if f.filename.endswith(".xlsx")]


def test_a_shared_registers_file_made_later_still_shows_the_team(database_url: str) -> None:
    """The export of a team's register carries who changed what and the coordinator's activity
    sheet in its recipe, so the workbook made later is the one made at once."""
    core = build_test_dialogue(database_url)
    try:
        coordinator = coordinator_with_project(core, 100, "en")
        finish_checklist(coordinator)
        member = joins(core, 200, invite(coordinator, "member"), "en")
        member.command("/risks")
        member.send("button", "go:risks:edit")
        for label in ("prerequisites", "pre-goals", "partly", "22", "ok"):
            choose(member, label)
        [now] = _register_files(coordinator)
        core.defer_documents = True
        [later] = _register_files(coordinator)
        assert later.job is not None and later.data == b""
        recipe = json.loads(json.dumps(later.job))
        made = _sheets(documents.make(core.flows, recipe))
        assert made == _sheets(now.data)
        assert "Activity" in made and made["Activity"][1][1] == "Name200"
    finally:
        core.db.dispose()
