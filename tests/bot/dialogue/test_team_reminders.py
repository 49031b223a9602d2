"""A shared project's reminders: a risk's review goes to its owner when the owner is on the
team (else to whoever answered it), the coordinator gets one digest a day per project, a plan
action's follow-up goes to its assignee; each in the recipient's language, each once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.dialogue.core import Dialogue
from storage.models import Reminder, utcnow
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

OTHER = {"lv": "en", "en": "lv"}
REVIEW = {"lv": "pārskatiet risku", "en": "review the risk"}
DIGEST = {
    "lv": "šodien projektā „GreenVET” jāpārskata (2)",
    "en": "due for review today in “GreenVET” (2)",
}
FOLLOW = {"lv": "Jums uzticētajai darbībai", "en": "the action assigned to you"}


@pytest.fixture
def core(database_url: str) -> Iterator[Dialogue]:
    dialogue = build_test_dialogue(database_url)
    yield dialogue
    dialogue.db.dispose()


def flag(person: Person, item: str, owner: str | None = None, typed: str | None = None) -> None:
    """Change ``item`` to ⚠️ 2·2 with its owner picked (``owner``) or typed."""
    person.command("/risks")
    person.send("button", "go:risks:edit")
    choose(person, "prerequisites")
    choose(person, item)
    choose(person, "partly")
    choose(person, "22")
    if owner:
        choose(person, owner)
    else:
        person.send("text", typed or "")


def delivered(core: Dialogue, days: int = 40) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for reminder in core.reminders.claim_due(utcnow() + timedelta(days=days)):
        found.setdefault(reminder.user_id, []).append(reminder.text)
    return found


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_each_review_goes_to_the_right_person_in_their_language(core: Dialogue, lang: str) -> None:
    other = OTHER[lang]
    coordinator = coordinator_with_project(core, 100, lang)
    finish_checklist(coordinator)
    member = joins(core, 200, invite(coordinator, "member"), other)
    viewer = joins(core, 300, invite(coordinator, "viewer"), lang)
    assert viewer.user == 300
    flag(member, "pre-goals", owner="u.300")  # the viewer owns this risk
    flag(member, "pre-roles", typed="Partner X")  # someone outside Telegram: the member
    with core.db.transaction() as session:
        rows = {(r.user_id, r.key) for r in session.query(Reminder)}
    due = next(key for user, key in rows if user == 100)
    assert rows == {(300, "pre-goals"), (200, "pre-roles"), (100, due)}
    assert due.startswith("digest-")

    sent = delivered(core)
    assert set(sent) == {100, 200, 300}
    assert len(sent[100]) == 1 and DIGEST[lang] in sent[100][0]  # one digest, both risks
    assert "Partner X" in sent[100][0]
    assert REVIEW[other] in sent[200][0]  # the member's language
    assert REVIEW[lang] in sent[300][0]
    assert delivered(core) == {}  # once

    flag(coordinator, "pre-goals", owner="u.300")  # saved again: nothing is sent twice
    assert delivered(core) == {}


def plan(person: Person) -> None:
    """Answer the whole plan in English: every action assigned to Name200 (picked), due in
    three months after the project's end; the self-check all "yes"; no plan reviews."""
    for _ in range(60):
        text = person.text()
        if "Choose one or type your own" in text:
            person.send("button", buttons(person.last)[0].data)
        elif "what exactly will you do" in text:
            person.send("text", "Webinar series")
        elif "who is responsible" in text:
            choose(person, "u.200")
        elif "by when" in text:
            choose(person, "3m")
        elif "how will you know it worked" in text:
            choose(person, ">")
        elif "Self-check" in text:
            choose(person, "yes")
        elif "remind you to review the plan" in text:
            choose(person, "none")
            return
        else:
            raise AssertionError(text)
    raise AssertionError("the plan did not end")


def test_a_plan_actions_follow_up_goes_to_its_assignee(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    member = joins(core, 200, invite(coordinator, "member"), "lv")
    coordinator.command("/sustainability")
    plan(coordinator)
    with core.db.transaction() as session:
        rows = [(r.user_id, r.key) for r in session.query(Reminder)]
    follow_ups = sorted(key for user, key in rows if user == 200)
    assert len(follow_ups) == 5 and all(k.startswith("action-") for k in follow_ups)
    assert [key for user, key in rows if user == 100] == [rows[-1][1]]  # one digest
    sent = delivered(core, days=1200)
    assert len(sent[200]) == 1 and FOLLOW["lv"] in sent[200][0]  # one message, her language
    assert "(5)" in sent[100][0] and "(responsible: Name200)" in sent[100][0]
    assert FOLLOW["en"] not in sent[100][0]
    assert member.user == 200
