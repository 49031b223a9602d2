"""Two people on one project's register at once: an item only one of them changed is kept from
each; an item both changed keeps the answer saved first, and the one who finished later is told
by whom and can answer it again. Also two workers finishing at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Reply
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
from tests.bot.helpers import buttons, text_of
from tests.conftest import build_test_dialogue

GOALS, ROLES = "pre-goals", "pre-roles"
TOLD = {
    "lv": ("Kamēr Jūs atbildējāt", "mainīja Name100; tagad: ❌ Vēl nav · 4×4", "Atbildēt vēlreiz"),
    "en": ("While you were answering", "changed by Name100; now: ❌ Not yet · 4×4", "Answer again"),
}


@pytest.fixture
def core(database_url: str) -> Iterator[Dialogue]:
    dialogue = build_test_dialogue(database_url)
    yield dialogue
    dialogue.db.dispose()


def team(core: Dialogue, lang: str) -> tuple[Person, Person, Person]:
    """A coordinator with a finished register, a member and a viewer."""
    coordinator = coordinator_with_project(core, 100, lang)
    finish_checklist(coordinator)
    member = joins(core, 200, invite(coordinator, "member"), lang)
    viewer = joins(core, 300, invite(coordinator, "viewer"), lang)
    return coordinator, member, viewer


def open_item(person: Person, item: str) -> None:
    """Start changing one item of the team's register (the landing's "change one item")."""
    person.command("/risks")
    person.send("button", "go:risks:edit")
    choose(person, "prerequisites")
    choose(person, item)


def answer(person: Person, status: str, rating: str = "") -> None:
    choose(person, status)
    if rating:
        choose(person, rating)
        choose(person, "ok")


def latest(core: Dialogue, project_id: int = 1) -> dict[str, object]:
    with core.db.transaction() as session:
        return answers_of(ProjectHistory(session).latest(project_id, "risks"))


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_the_later_of_two_answers_to_one_item_is_told_and_can_answer_again(
    core: Dialogue, lang: str
) -> None:
    coordinator, member, viewer = team(core, lang)
    open_item(member, GOALS)  # both start from the same register ...
    open_item(coordinator, GOALS)
    answer(coordinator, "no", "44")  # ... the coordinator saves first
    assert TOLD[lang][0] not in coordinator.text()
    answer(member, "partly", "22")
    told = member.text()
    assert TOLD[lang][0] in told and TOLD[lang][1] in told
    assert latest(core)["s:pre-goals"] == "no"  # one of the two answers, whole
    assert latest(core)["l:pre-goals"] == "4"

    again = next(b for b in buttons(member.last) if TOLD[lang][2] in b.label)
    assert again.data == f"go:risks:e.{GOALS}"
    viewer.send("button", again.data)  # the viewer's replay changes nothing
    assert latest(core)["s:pre-goals"] == "no"
    member.send("button", again.data)
    answer(member, "partly", "22")
    assert TOLD[lang][0] not in member.text()
    assert latest(core)["s:pre-goals"] == "partly"
    with core.db.transaction() as session:
        assert session.query(FlowResult).filter_by(user_id=300).count() == 0


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_different_items_changed_at_once_are_both_kept(core: Dialogue, lang: str) -> None:
    coordinator, member, _ = team(core, lang)
    open_item(member, ROLES)
    open_item(coordinator, GOALS)
    answer(coordinator, "no", "44")
    answer(member, "partly", "23")
    assert TOLD[lang][0] not in member.text()
    kept = latest(core)
    assert kept["s:pre-goals"] == "no" and kept["s:pre-roles"] == "partly"
    assert kept["l:pre-roles"] == "2" and kept["i:pre-roles"] == "3"


def test_a_full_review_started_before_a_change_keeps_that_change(core: Dialogue) -> None:
    coordinator, member, _ = team(core, "en")
    member.command("/risks")
    member.send("button", "go:risks:new")  # goes through every item, the team's as defaults
    open_item(coordinator, GOALS)
    answer(coordinator, "no", "44")
    finish_checklist(member)  # keeps every default: changes nothing
    assert TOLD["en"][0] not in member.text()
    assert latest(core)["s:pre-goals"] == "no"


def test_two_workers_finishing_the_same_item_at_the_same_moment(database_url: str) -> None:
    """Two dialogue cores (two workers, each its own connections) get the last answer of two
    members at once: the final answer is one of the two, the other member is told."""
    first = build_test_dialogue(database_url)
    second = build_test_dialogue(database_url, demo=True)
    try:
        coordinator, member, _ = team(first, "en")
        other = Person(second, coordinator.user, "en")
        open_item(coordinator, GOALS)
        open_item(member, GOALS)
        choose(coordinator, "no")
        choose(coordinator, "44")
        choose(member, "partly")
        choose(member, "22")
        presses = [
            (other, next(b.data for b in buttons(coordinator.last) if b.data.endswith(":ok"))),
            (member, next(b.data for b in buttons(member.last) if b.data.endswith(":ok"))),
        ]
        barrier = threading.Barrier(2)
        replies: dict[int, list[Reply]] = {}

        def finish(person: Person, data: str) -> None:
            barrier.wait()
            replies[person.user] = person.send("button", data)

        threads = [threading.Thread(target=finish, args=press) for press in presses]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert set(replies) == {100, 200}
        told = [user for user, said in replies.items() if TOLD["en"][0] in text_of(said)]
        assert len(told) == 1  # exactly the later one
        final = latest(first)["s:pre-goals"]
        assert final == ("no" if told == [200] else "partly")
        with first.db.transaction() as session:
            assert session.query(FlowResult).filter_by(flow="risks").count() == 3
    finally:
        first.db.dispose()
        second.db.dispose()


ENTERING = {
    "lv": "šo punktu komandā mainīja Name100; tagad: ❌ Vēl nav · 4×4",
    "en": "Name100 changed this item for the team; now: ❌ Not yet · 4×4",
}


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_opening_an_item_changed_meanwhile_says_so_first(core: Dialogue, lang: str) -> None:
    coordinator, member, _ = team(core, lang)
    member.command("/risks")
    member.send("button", "go:risks:edit")  # the member starts from the register as it was
    open_item(coordinator, GOALS)
    answer(coordinator, "no", "44")  # ... and the coordinator changes one item meanwhile
    choose(member, "prerequisites")
    choose(member, ROLES)  # an item nobody changed: nothing to say
    assert ENTERING[lang] not in member.text()
    choose(member, "<")
    choose(member, GOALS)  # the item the coordinator changed: said before answering
    assert ENTERING[lang] in member.text()
    answer(member, "partly", "22")
    assert TOLD[lang][0] in member.text()  # and the answer saved first stays
    assert latest(core)["s:pre-goals"] == "no"
    member.command("/risks")  # a new run starts from the team's register: nothing to say
    member.send("button", "go:risks:edit")
    choose(member, "prerequisites")
    choose(member, GOALS)
    assert ENTERING[lang] not in member.text()
