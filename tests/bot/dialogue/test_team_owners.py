"""A risk's owner picked from the project's team (or typed for someone outside Telegram): the
member's id is kept beside the name, so reminders can go to them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.dialogue.core import Dialogue
from storage.history import ProjectHistory, answers_of
from storage.models import FlowResult
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

PICK = {"lv": "izvēlēties no projekta komandas", "en": "pick the owner from the project's team"}


@pytest.fixture
def core(database_url: str) -> Iterator[Dialogue]:
    dialogue = build_test_dialogue(database_url)
    yield dialogue
    dialogue.db.dispose()


def latest(core: Dialogue) -> dict[str, object]:
    with core.db.transaction() as session:
        return answers_of(ProjectHistory(session).latest(1, "risks"))


def to_plan(person: Person) -> None:
    """Change the first item to ⚠️ 2·2 and stop at its plan (owner, response, date)."""
    person.command("/risks")
    person.send("button", "go:risks:edit")
    choose(person, "prerequisites")
    choose(person, "pre-goals")
    choose(person, "partly")
    choose(person, "22")


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_a_risks_owner_is_picked_from_the_team_or_typed(core: Dialogue, lang: str) -> None:
    coordinator = coordinator_with_project(core, 100, lang)
    finish_checklist(coordinator)
    member = joins(core, 200, invite(coordinator, "member"), lang)
    joins(core, 300, invite(coordinator, "viewer"), lang)
    to_plan(member)
    assert PICK[lang] in member.text()
    names = [b.label for b in buttons(member.last) if b.label.startswith("👤")]
    assert names == ["👤 Name100", "👤 Name200", "👤 Name300"]  # first names only
    choose(member, "u.100")
    kept = latest(core)
    assert kept["o:pre-goals"] == "Name100" and kept["o:pre-goals_id"] == 100

    to_plan(member)  # the owner step offers the member again, and keeping keeps the link
    choose(member, "d")
    choose(member, "1m")
    keep = next(b for b in buttons(member.last) if b.data.endswith(":+"))
    assert "Name100" in keep.label
    member.send("button", keep.data)
    assert latest(core)["o:pre-goals_id"] == 100

    to_plan(member)  # someone outside Telegram: typed, no link
    member.send("text", "Partner X project manager")
    kept = latest(core)
    assert kept["o:pre-goals"] == "Partner X project manager"
    assert "o:pre-goals_id" not in kept


def test_a_forged_member_button_is_refused(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    finish_checklist(coordinator)
    member = joins(core, 200, invite(coordinator, "member"), "en")
    to_plan(member)
    seq = next(b.data for b in buttons(member.last) if b.data.endswith(":ok")).split(":")[1]
    member.send("button", f"f:{seq}:u.999")  # nobody on this team
    assert "o:pre-goals_id" not in latest(core) and latest(core).get("s:pre-goals") == "ok"
    assert any(b.label == "👤 Name100" for b in buttons(member.last))  # still at the plan


def test_a_project_without_a_team_offers_no_one(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    finish_checklist(coordinator)
    to_plan(coordinator)
    assert not any(b.label.startswith("👤") for b in buttons(coordinator.last))
    assert PICK["en"] not in coordinator.text()


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_an_owner_who_forgets_becomes_a_former_member_in_the_register(
    core: Dialogue, lang: str
) -> None:
    coordinator = coordinator_with_project(core, 100, lang)
    finish_checklist(coordinator)
    member = joins(core, 200, invite(coordinator, "member"), lang)
    to_plan(coordinator)
    choose(coordinator, "u.200")
    assert latest(core)["o:pre-goals_id"] == 200
    member.command("/forget")
    member.press("Jā" if lang == "lv" else "Yes")
    kept = latest(core)
    assert kept["o:pre-goals"] == "bijušais dalībnieks / former member"
    assert "o:pre-goals_id" not in kept
    with core.db.transaction() as session:  # no record anywhere names them any more
        for result in session.query(FlowResult):
            assert 200 not in result.data["answers"].values()


def test_someone_who_left_meanwhile_can_no_longer_be_picked(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    finish_checklist(coordinator)
    member = joins(core, 200, invite(coordinator, "member"), "en")
    to_plan(coordinator)
    stale = next(b.data for b in buttons(coordinator.last) if b.data.endswith(":u.200"))
    member.command("/forget")
    member.press("Yes")
    coordinator.send("button", stale)
    assert "o:pre-goals_id" not in latest(core) and latest(core)["s:pre-goals"] == "ok"
    assert not any(b.data.endswith(":u.200") for b in buttons(coordinator.last))
