"""Groups and the learner's data rights: /mydata lists their groups, /forget takes them out of
every group and report, deleting a group leaves the learners' own results, /privacy explains."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.dialogue.core import Dialogue
from storage.models import FlowResult, Group, GroupMember, GroupRound, Invite, RoundEntry
from tests.bot.dialogue.group_helpers import Person, learner_joins, open_card, teacher_with_group
from tests.bot.helpers import text_of


def _count(core: Dialogue, model: type, **where: object) -> int:
    with core.db.transaction() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(session.scalar(query) or 0)


def _closed_round_with_five(core: Dialogue) -> tuple[Person, list[Person], int]:
    teacher, token = teacher_with_group(core)
    open_card(teacher)
    teacher.press("Sākt kārtu „Pirms”")
    learners = [learner_joins(core, 600 + n, token, "lv") for n in range(5)]
    for number, learner in enumerate(learners):
        learner.rate_all(number % 4)
    open_card(teacher)
    teacher.press("Slēgt kārtu „Pirms”")
    assert "Pašnovērtējumu pabeiguši: 5" in teacher.text()
    with core.db.transaction() as session:
        (round_id,) = session.scalars(select(GroupRound.id))
    return teacher, learners, round_id


def test_mydata_lists_the_learners_groups(dialogue: Dialogue) -> None:
    _, learners, _ = _closed_round_with_five(dialogue)
    replies = learners[0].command("/mydata")
    [file] = [f for r in replies for f in r.files]
    tables = json.loads(file.data)["tables"]
    assert [m["group_name"] for m in tables["group_members"]] == ["3.B mehatroniķi"]
    assert len(tables["round_entries"]) == 1
    assert tables["groups"] == [] and tables["invites"] == []


def test_forget_removes_a_learner_from_every_group_and_report(dialogue: Dialogue) -> None:
    teacher, learners, round_id = _closed_round_with_five(dialogue)
    learners[0].command("/forget")
    learners[0].press("Jā, dzēst visu")
    assert _count(dialogue, GroupMember, user_id=600) == 0
    assert _count(dialogue, RoundEntry, user_id=600) == 0
    assert _count(dialogue, GroupMember) == 4
    withheld = text_of(teacher.send("button", f"grp:rep:{round_id}"))
    assert "pārskata nav" in withheld


def test_a_teachers_forget_deletes_their_groups_not_the_learners_results(
    dialogue: Dialogue,
) -> None:
    teacher, _, _ = _closed_round_with_five(dialogue)
    teacher.command("/forget")
    teacher.press("Jā, dzēst visu")
    for model in (Group, GroupRound, GroupMember, RoundEntry, Invite):
        assert _count(dialogue, model) == 0, model
    assert _count(dialogue, FlowResult) == 5


def test_deleting_a_group_keeps_the_learners_own_results(dialogue: Dialogue) -> None:
    teacher, learners, _ = _closed_round_with_five(dialogue)
    open_card(teacher)
    teacher.press("Dzēst grupu")
    teacher.press("Jā, dzēst")
    for model in (Group, GroupRound, GroupMember, RoundEntry, Invite):
        assert _count(dialogue, model) == 0, model
    assert _count(dialogue, FlowResult) == 5
    landing = text_of(learners[0].command("/digcomp"))
    assert "Jūsu pēdējais DigComp pašnovērtējums" in landing


def test_privacy_explains_groups(dialogue: Dialogue) -> None:
    person = Person(dialogue, 700)
    person.start()
    assert "skolotājs redz tikai grupas kopējos līmeņus" in text_of(person.command("/privacy"))
    english = Person(dialogue, 701, "en")
    english.start()
    assert "the teacher sees only the group's combined levels" in text_of(
        english.command("/privacy")
    )
