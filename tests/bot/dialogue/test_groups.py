"""A teacher's group through the dialogue core: a teacher and learners (Latvian and English),
before and after rounds, the report only for a closed round with at least 5 finished, leaving,
and what a stranger sees (nothing)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Reply
from storage.models import FlowResult, Group, GroupMember, GroupRound
from tests.bot.dialogue.group_helpers import (
    Person,
    learner_joins,
    open_card,
    teacher_with_group,
)
from tests.bot.helpers import buttons, text_of
from tests.conftest import build_test_dialogue


def _count(core: Dialogue, model: type, **where: object) -> int:
    with core.db.transaction() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(session.scalar(query) or 0)


def _round_ids(core: Dialogue) -> list[int]:
    with core.db.transaction() as session:
        return list(session.scalars(select(GroupRound.id).order_by(GroupRound.id)))


def _files(replies: list[Reply]) -> list[str]:
    return [f.filename for r in replies for f in r.files]


def _small_counts(text: str) -> list[str]:
    """Numbers 1–4 standing alone as a count ("… 3 · …", ": 4") — none may reach the teacher."""
    return re.findall(r"(?:^|[\s:·(])([1-4])(?=$|[\s·)])", text, flags=re.M)


def test_before_and_after_with_a_teacher_and_six_learners(database_url: str) -> None:
    core = build_test_dialogue(database_url)
    try:
        teacher, token = teacher_with_group(core)
        assert _files(teacher.last) == ["qr-1.png"]
        assert teacher.last[-1].files[0].data.startswith(b"\x89PNG")
        open_card(teacher)
        teacher.press("Sākt kārtu „Pirms”")
        assert "Kārta „Pirms” sākta" in teacher.text()

        langs = ["lv", "lv", "lv", "en", "en", "en"]
        learners: list[Person] = []
        for number, lang in enumerate(langs):
            learner = Person(core, 201 + number, lang)
            offer = text_of(learner.command(f"/start {token}"))
            assert "3.B mehatroniķi" in offer and "Name100" in offer  # the teacher's first name
            if lang == "lv":
                assert "tikai grupas kopējos līmeņus, nekad Jūsu atbildes" in offer
                assert "vismaz 5 no jums" in offer
            else:
                assert "only the group's combined levels, never your own answers" in offer
                assert "only once at least 5 of you have finished" in offer
            prompt = text_of(learner.press("✅"))
            assert ("DigComp pašnovērtējums · 1/21" if lang == "lv" else "1/21") in prompt
            learners.append(learner)
        assert _count(core, GroupMember) == 6

        for number, learner in enumerate(learners[:4]):
            learner.rate_all([number % 4] * 10 + [2] * 11)
        open_card(teacher)
        assert "atvērta — pabeiguši: mazāk nekā 5" in teacher.text()
        # an open round has no report: only how many finished (never a count below 5)
        before_id = _round_ids(core)[0]
        early = text_of(teacher.send("button", f"grp:rep:{before_id}"))
        assert "vēl ir atvērta: pabeiguši mazāk nekā 5" in early
        assert not _files(teacher.last)
        for number, learner in enumerate(learners[4:], start=4):
            learner.rate_all([number % 4] * 10 + [1] * 11)
        open_card(teacher)
        assert "atvērta — pabeiguši: 6" in teacher.text()

        replies = teacher.press("Slēgt kārtu „Pirms”")
        report = text_of(replies)
        assert "Kārta „Pirms” slēgta; pabeiguši 6" in report
        assert "Pašnovērtējumu pabeiguši: 6" in report
        assert "Grupas trīs vājākās kompetences" in report
        assert "„–” — šeit ir mazāk nekā 5 cilvēku" in report
        assert "Izmaiņas kopš" not in report  # no earlier round
        assert sorted(n.rsplit(".", 1)[1] for n in _files(replies)) == ["png", "xlsx"]
        assert not _small_counts(report)

        open_card(teacher)
        teacher.press("Sākt kārtu „Pēc”")
        # each learner is reminded once, in their own language
        latvian = core.reminders.claim_due(user_id=201)
        english = core.reminders.claim_due(user_id=204)
        assert len(latvian) == 1 and "sākusies kārta „Pēc”" in latvian[0].text
        assert len(english) == 1 and "Round “After” has started" in english[0].text
        assert "/digcomp quick" in english[0].text and "/digcomp atrais" in latvian[0].text
        assert core.reminders.claim_due(user_id=201) == []

        for number, learner in enumerate(learners[:5]):
            learner.command("/digcomp quick")
            learner.rate_all(min(3, number % 4 + 1))
        replies = teacher.press("Slēgt kārtu „Pēc”")
        after = text_of(replies)
        assert "pabeiguši 5" in after
        assert "Izmaiņas kopš kārtas „Pirms” (vidējais līmenis 5 izglītojamajiem" in after
        assert not _small_counts(after)

        # the closed round is a snapshot: a later result changes nothing the teacher sees
        learners[5].command("/digcomp quick")
        learners[5].rate_all(3)
        after_id = _round_ids(core)[1]
        again = teacher.send("button", f"grp:rep:{after_id}")
        assert [r.text for r in again] == [r.text for r in replies[1:]]

        # a learner leaves: the "after" report now has 4 and is withheld; results stay theirs
        learners[0].command("/grupa")
        learners[0].press("🚪")
        assert "Pamest grupu" in learners[0].text()
        learners[0].press("Jā, pamest")
        assert "Jūs pametāt grupu" in learners[0].text()
        withheld = text_of(teacher.send("button", f"grp:rep:{after_id}"))
        assert "pārskata nav" in withheld and not _files(teacher.last)
        assert _count(core, FlowResult, user_id=201) == 2
        # "before" counted 6 and one of them has left: its report is withheld too, since next
        # to the report the teacher saw before it would show the leaver's levels by difference
        gone = text_of(teacher.send("button", f"grp:rep:{before_id}"))
        assert "pārskata nav" in gone and not _files(teacher.last)
    finally:
        core.db.dispose()


def test_four_finished_give_no_report_and_five_do_in_english(dialogue: Dialogue) -> None:
    teacher, token = teacher_with_group(dialogue, lang="en")
    open_card(teacher)
    teacher.press("Start round “Before”")
    learners = [learner_joins(dialogue, 300 + n, token, "en") for n in range(5)]
    for learner in learners[:4]:
        learner.rate_all(2)
    open_card(teacher)
    teacher.press("Close round “Before”")
    assert "Fewer than 5 learners finished it, so there is no report" in teacher.text()
    assert not _files(teacher.last)
    (first,) = _round_ids(dialogue)
    assert "There is no report" in text_of(teacher.send("button", f"grp:rep:{first}"))
    # a new round with all five
    open_card(teacher)
    teacher.press("Start round “After”")
    for learner in learners:
        learner.command("/digcomp quick")
        learner.rate_all(3)
    replies = teacher.press("Close round “After”")
    text = text_of(replies)
    assert "Finished the self-assessment: 5" in text
    assert "The group's three weakest competences" in text
    assert "Change since" not in text  # "before" had fewer than 5
    assert "No change since round “Before” is shown: fewer than 5 of the same learners" in text
    assert len(_files(replies)) == 2


def test_teacher_manages_groups_rename_mode_revoke_close_delete(dialogue: Dialogue) -> None:
    teacher, token = teacher_with_group(dialogue)
    teacher.command("/grupa parsaukt 1 3.C klase")
    assert "Grupa tagad saucas „3.C klase”" in teacher.text()
    open_card(teacher)
    teacher.press("Pārslēgt uz: padziļinātais")
    assert "Pašnovērtējuma veids: padziļinātais" in teacher.text()
    teacher.press("Atsaukt saiti")
    learner = Person(dialogue, 401)
    assert "saite ir atsaukta" in text_of(learner.command(f"/start {token}"))
    # a new link works and takes the learner into the thorough mode once a round is open
    open_card(teacher)
    new_token = re.search(r"start=(\S+)", text_of(teacher.press("Saite un QR")))
    assert new_token and new_token[1] != token
    teacher.command("/grupa karta 1 Prakse")
    assert "Kārta „Prakse” sākta" in teacher.text()
    learner.command(f"/start {new_token[1]}")
    thorough = text_of(learner.press("✅"))
    assert "1/21" in thorough and "Vai Jūs to protat?" in thorough  # a thorough statement
    open_card(teacher)
    teacher.press("Slēgt grupu")
    assert "slēgta" in teacher.text()
    assert "saite ir atsaukta" in text_of(Person(dialogue, 402).command(f"/start {new_token[1]}"))
    open_card(teacher)
    teacher.press("Dzēst grupu")
    teacher.press("Jā, dzēst")
    assert "dzēsta" in teacher.text()
    assert _count(dialogue, Group) == 0 and _count(dialogue, GroupMember) == 0
    assert _count(dialogue, GroupRound) == 0


def test_a_stranger_with_forged_ids_or_tokens_sees_nothing(dialogue: Dialogue) -> None:
    teacher, token = teacher_with_group(dialogue)
    open_card(teacher)
    teacher.press("Sākt kārtu „Pirms”")
    (round_id,) = _round_ids(dialogue)
    stranger = Person(dialogue, 999)
    stranger.start()
    for data in (
        "grp:show:1",
        "grp:link:1",
        "grp:end:1",
        "grp:del:1",
        "grp:delok:1",
        "grp:revoke:1",
        "grp:close:1",
        "grp:mode:1",
        f"grp:rep:{round_id}",
        "grp:rep:77",
        "grpr:1:after",
        "grp:leave:1",
        "grp:leaveok:1",
        "grp:take:1",
        "grp:rep:" + "9" * 30,
        "grpr:" + "9" * 30 + ":after",
    ):
        replies = stranger.send("button", data)
        assert all(r.notice for r in replies) and not buttons(replies), data
        assert "3.B" not in text_of(replies)
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 32, "1", "%00"):
        text = text_of(stranger.command(f"/start {forged}"))
        assert "nav derīga" in text and "3.B" not in text
    text = text_of(stranger.send("button", "grp:join:" + "Q" * 32))
    assert "nav derīga" in text
    stranger.command("/grupa parsaukt 1 Mana")
    assert "Mana" not in stranger.text()
    stranger.command("/grupa karta 1 Mana")
    assert "Kārta" not in stranger.text()
    with dialogue.db.transaction() as session:
        group = session.get(Group, 1)
        assert group is not None and group.name == "3.B mehatroniķi" and not group.closed
    assert _count(dialogue, GroupMember) == 0 and len(_round_ids(dialogue)) == 1


def test_the_teacher_opening_their_own_link_does_not_join(dialogue: Dialogue) -> None:
    teacher, token = teacher_with_group(dialogue)
    assert "Jūsu pašu grupas saite" in text_of(teacher.command(f"/start {token}"))
    assert _count(dialogue, GroupMember) == 0


def test_joining_before_a_round_waits_for_the_reminder(dialogue: Dialogue) -> None:
    teacher, token = teacher_with_group(dialogue)
    learner = learner_joins(dialogue, 501, token, "lv")
    assert "vēl nav sācis kārtu" in learner.text()
    leaver = learner_joins(dialogue, 502, token, "en")
    assert "jau esat" in text_of(learner.command(f"/start {token}"))
    open_card(teacher)
    teacher.press("Sākt kārtu „Pirms”")
    leaver.command("/group")
    leaver.press("🚪")
    leaver.press("Yes, leave")  # before the reminder went out: it is not sent
    assert dialogue.reminders.claim_due(user_id=502) == []
    (due,) = dialogue.reminders.claim_due(user_id=501)
    assert "Grupā „3.B mehatroniķi” sākusies kārta „Pirms”" in due.text
    learner.command("/grupa")
    assert "Atvērta kārta „Pirms”" in learner.text()
    assert "1/21" in text_of(learner.press("▶️ Pašnovērtējums grupai"))


@settings(
    max_examples=4,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # each example is ~150 inputs
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.lists(st.integers(0, 3), min_size=21, max_size=21), min_size=4, max_size=6))
def test_whatever_the_answers_the_teacher_never_sees_a_small_count(
    ratings: list[list[int]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        core = build_test_dialogue(f"sqlite:///{Path(folder) / 'p.db'}")
        try:
            teacher, token = teacher_with_group(core)
            seen = [teacher.text()]
            open_card(teacher)
            teacher.press("Sākt kārtu „Pirms”")
            for number, answers in enumerate(ratings):
                learner_joins(core, 800 + number, token, "lv").rate_all(answers)
                seen.append(text_of(open_card(teacher)))
            closing = teacher.press("Slēgt kārtu „Pirms”")
            seen.append(text_of(closing))
            (round_id,) = _round_ids(core)
            report = teacher.send("button", f"grp:rep:{round_id}")
            seen.append(text_of(report))
            for text in seen:
                text = re.sub(r"/gr(?:oup|upa) \w+ \d+", "", text)  # a group's number, no count
                assert not _small_counts(text), text
                assert ". līmenis (" not in text  # no one learner's personal result
            if len(ratings) < 5:
                assert not _files(closing) and not _files(report)
            else:
                assert len(_files(report)) == 2
                # a closed round with the same members: the same report every time
                assert [r.text for r in teacher.send("button", f"grp:rep:{round_id}")] == [
                    r.text for r in report
                ]
        finally:
            core.db.dispose()
