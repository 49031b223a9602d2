"""A project shared with its team, through the dialogue core: a coordinator invites a member and
a viewer by link, both see the team's register, only the member may change it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.dialogue.core import Dialogue
from flows.dates import local_date, show_date
from storage.models import FlowResult, Invite, ProjectMember
from tests.bot.dialogue.group_helpers import TOKEN, Person
from tests.bot.dialogue.team_helpers import (
    coordinator_with_project,
    finish_checklist,
    invite,
    joins,
    open_team,
    project_id,
)
from tests.bot.helpers import buttons
from tests.conftest import build_test_dialogue

TEXTS = {
    "lv": {
        "offer": "Jūsu loma: dalībnieks",
        "viewer_offer": "Jūsu loma: skatītājs",
        "by": "koordinators: Name100",
        "privacy": "neko citu no Jūsu datiem",
        "joined": "Jūs esat projekta „GreenVET” komandā",
        "register": "Riska reģistrs — GreenVET",
        "cannot": "bet ne sākt vai mainīt",
        "member": "Name200 — dalībnieks",
        "viewer": "Name300 — skatītājs",
        "coordinator": "Name100 — koordinators",
        "invalid": "Šī saite nav derīga",
        "expired": "derīguma termiņš ir beidzies",
        "revoked": "ir atsaucis",
        "edit": "Mainīt",
        "files": "XLSX",
    },
    "en": {
        "offer": "Your role: member",
        "viewer_offer": "Your role: viewer",
        "by": "coordinator: Name100",
        "privacy": "nothing else of yours",
        "joined": "You are on the team of “GreenVET”",
        "register": "Risk register — GreenVET",
        "cannot": "but not start or change them",
        "member": "Name200 — member",
        "viewer": "Name300 — viewer",
        "coordinator": "Name100 — coordinator",
        "invalid": "This link is not valid",
        "expired": "has expired",
        "revoked": "withdrawn",
        "edit": "Change",
        "files": "XLSX",
    },
}


@pytest.fixture
def core(database_url: str) -> Iterator[Dialogue]:
    dialogue = build_test_dialogue(database_url)
    yield dialogue
    dialogue.db.dispose()


def landing_button(person: Person, arg: str) -> str:
    return next(b.data for b in buttons(person.last) if b.data and b.data.endswith(f":{arg}"))


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_a_member_and_a_viewer_join_and_work_the_teams_register(core: Dialogue, lang: str) -> None:
    words = TEXTS[lang]
    coordinator = coordinator_with_project(core, 100, lang)
    finish_checklist(coordinator)
    assert words["register"] in coordinator.text()
    member_token = invite(coordinator, "member")
    assert len(coordinator.last[1].files) == 1  # the QR code
    assert coordinator.last[1].files[0].filename.endswith(".png")
    viewer_token = invite(coordinator, "viewer")

    member = Person(core, 200, lang)
    member.start()
    member.command(f"/start {member_token}")
    offer = member.text()
    assert "GreenVET" in offer and words["by"] in offer and words["offer"] in offer
    assert words["privacy"] in offer
    with core.db.transaction() as session:  # nothing joined before the confirmation
        assert session.query(ProjectMember).filter_by(user_id=200).count() == 0
    member.press("✅")
    assert words["joined"] in member.text()

    # The member's /risks shows the team's register (finished by the coordinator) ...
    member.command("/risks")
    assert words["register"] in member.text()
    # ... and the member continues from it: changing one item starts a run on the project.
    member.send("button", landing_button(member, "edit"))
    assert "GreenVET" in member.text() and buttons(member.last)

    viewer = joins(core, 300, viewer_token, lang)
    assert words["joined"] in viewer.text()
    viewer.command("/risks")
    assert words["register"] in viewer.text()
    viewer.send("button", landing_button(viewer, "files"))  # the documents: yes
    names = [f.filename for r in viewer.last for f in r.files]
    assert any(n.endswith(".xlsx") for n in names), names
    viewer.command("/risks")
    viewer.send("button", landing_button(viewer, "new"))  # a change: no
    assert words["cannot"] in viewer.text()
    viewer.send("button", "go:risks:edit")  # the same as a member's button: no
    assert words["cannot"] in viewer.text()
    with core.db.transaction() as session:
        assert session.query(FlowResult).filter_by(user_id=300).count() == 0

    open_team(coordinator)
    team = coordinator.text()
    assert words["coordinator"] in team and words["member"] in team and words["viewer"] in team


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_bad_tokens_change_nothing(core: Dialogue, lang: str) -> None:
    words = TEXTS[lang]
    coordinator = coordinator_with_project(core, 100, lang)
    token = invite(coordinator, "member")
    stranger = Person(core, 400, lang)
    stranger.start()
    stranger.command("/start " + "A" * 32)  # forged
    assert words["invalid"] in stranger.text()
    stranger.command("/start " + token[:-1] + ("B" if token[-1] != "B" else "C"))
    assert words["invalid"] in stranger.text()
    stranger.send("button", "tm:join:" + "A" * 32)
    assert words["invalid"] in stranger.text()
    # withdrawn: the coordinator revokes every invite from the list
    open_team(coordinator)
    coordinator.press("📋")
    coordinator.press("🚫")
    stranger.command(f"/start {token}")
    assert words["revoked"] in stranger.text()
    with core.db.transaction() as session:
        assert session.query(ProjectMember).filter_by(user_id=400).count() == 0
        invite_row = session.query(Invite).filter_by(token=token).one()
        assert invite_row.uses == 0


LIMIT_WORDS = {
    "lv": {
        "invite": "Uzaicināt dalībnieku",
        "options": "Cik cilvēku drīkst ar to pievienoties?",
        "week": "7 dienas",
        "one": "1 cilvēks",
        "five": "5 cilvēki",
        "only_one": "tikai vienam cilvēkam",
        "left_one": "vēl var pievienoties 1 no 1",
        "left_five": "vēl var pievienoties 5 no 5",
        "open": "bez skaita ierobežojuma, pievienojušies 0",
        "used_up": "vietu vairs nav",
    },
    "en": {
        "invite": "Invite a member",
        "options": "How many people may join with it?",
        "week": "7 days",
        "one": "1 person",
        "five": "5 people",
        "only_one": "for one person only",
        "left_one": "1 of 1 places left",
        "left_five": "5 of 5 places left",
        "open": "no limit, 0 joined so far",
        "used_up": "no places left",
    },
}


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_an_invite_with_a_use_limit_and_expiry_in_few_taps(core: Dialogue, lang: str) -> None:
    words = LIMIT_WORDS[lang]
    coordinator = coordinator_with_project(core, 100, lang)
    open_team(coordinator)
    coordinator.press(words["invite"])
    assert words["options"] in coordinator.text()
    coordinator.press(words["week"])  # the expiry: shown picked, nothing made yet
    assert any(b.label == f"✅ {words['week']}" for b in buttons(coordinator.last))
    coordinator.press(words["one"])  # one tap makes it
    assert words["only_one"] in coordinator.text()
    token = TOKEN.search(coordinator.text())
    assert token
    with core.db.transaction() as session:
        row = session.query(Invite).filter_by(token=token[1]).one()
        assert row.max_uses == 1 and row.expires_at - row.created_at == timedelta(days=7)
        until = show_date(local_date(row.expires_at))
    invite(coordinator, "member", words["five"])
    invite(coordinator, "viewer")
    open_team(coordinator)
    coordinator.press("📋")  # the list: uses left and expiry of each
    listing = coordinator.text()
    assert f"{until}; {words['left_one']}" in listing
    assert words["left_five"] in listing and words["open"] in listing

    late = Person(core, 300, lang)  # saw the offer before the one place was taken
    late.start()
    late.command(f"/start {token[1]}")
    joins(core, 200, token[1], lang)
    with core.db.transaction() as session:
        before = (session.query(ProjectMember).count(), session.query(Invite).count())
    late.press("✅")
    assert words["used_up"] in late.text()
    other = Person(core, 400, lang)
    other.start()
    other.command(f"/start {token[1]}")
    assert words["used_up"] in other.text()
    with core.db.transaction() as session:
        assert (session.query(ProjectMember).count(), session.query(Invite).count()) == before
        assert session.query(Invite).filter_by(token=token[1]).one().uses == 1
        assert session.query(ProjectMember).filter_by(user_id=300).count() == 0
    open_team(coordinator)
    coordinator.press("📋")
    assert words["left_one"] not in coordinator.text()  # a used-up invite is no longer listed
    # Values no button offers are refused: nothing is made.
    number = project_id(coordinator)
    for forged in ("newm3d14", "newm1d99", "newx1d14", "invm99", "newm1d7x"):
        coordinator.send("button", f"tm:{forged}:{number}")
        assert coordinator.last[0].notice, forged
    with core.db.transaction() as session:
        assert session.query(Invite).count() == before[1]


def test_an_invite_that_expired_between_the_offer_and_the_confirmation(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    token = invite(coordinator, "member")
    member = Person(core, 200, "en")
    member.start()
    member.command(f"/start {token}")
    with core.db.transaction() as session:
        row = session.query(Invite).filter_by(token=token).one()
        row.expires_at = row.created_at
    member.press("✅")
    assert "has expired" in member.text()
    with core.db.transaction() as session:
        assert session.query(ProjectMember).filter_by(user_id=200).count() == 0


def test_members_projects_list_and_card_without_changes(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    token = invite(coordinator, "member")
    member = joins(core, 200, token, "en")
    member.command("/projects")
    assert any("GreenVET" in b.label and b.label.startswith("✅") for b in buttons(member.last))
    member.press("GreenVET")
    labels = [b.label for b in buttons(member.last)]
    assert not any("Rename" in label or "Delete" in label for label in labels), labels
    number = project_id(member)
    member.send("button", f"pj:name:{number}")  # a forged rename
    member.send("button", f"pj:deleteok:{number}")  # a forged delete
    member.send("button", f"tm:invm:{number}")  # a forged invite
    assert "Only the project's coordinator" in member.text()
    with core.db.transaction() as session:
        assert session.query(Invite).count() == 1
        assert session.query(ProjectMember).count() == 2
    coordinator.command("/projects")
    assert any("GreenVET" in b.label for b in buttons(coordinator.last))


def test_the_last_result_is_the_projects_not_only_the_users(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "lv")
    member = joins(core, 200, invite(coordinator, "member"), "lv")
    member.command("/risks")  # nothing finished yet: the member starts the team's checklist
    finish_checklist(member)
    assert "Riska reģistrs — GreenVET" in member.text()
    later = joins(core, 300, invite(coordinator, "member"), "lv")  # joins afterwards
    later.command("/risks")
    assert "Riska reģistrs — GreenVET" in later.text()  # the member's register, not a new run
    with core.db.transaction() as session:
        results = session.query(FlowResult).filter_by(flow="risks").all()
        assert [r.user_id for r in results] == [200]


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_the_coordinator_changes_roles_removes_and_hands_over(core: Dialogue, lang: str) -> None:
    words = {
        "lv": (
            "Padarīt par skatītāju",
            "Izņemt",
            "Jā, izņemt",
            "Nodot",
            "Jā, nodot",
            "koordinators",
        ),
        "en": (
            "Make a viewer",
            "Take off",
            "Yes, take off",
            "Hand over",
            "Yes, hand over",
            "coordinator",
        ),
    }[lang]
    make_viewer, remove, remove_yes, hand, hand_yes, coordinator_word = words
    coordinator = coordinator_with_project(core, 100, lang)
    member = joins(core, 200, invite(coordinator, "member"), lang)
    other = joins(core, 300, invite(coordinator, "member"), lang)
    member.command("/risks")  # the member starts the team's checklist ...
    run_button = next(b.data for b in buttons(member.last) if b.data and b.data.endswith(":rest"))

    open_team(coordinator)
    coordinator.press("Name200")
    coordinator.press(make_viewer)  # ... and is made a viewer meanwhile
    member.send("button", run_button)  # the old button: refused, the run is gone
    assert TEXTS[lang]["cannot"] in member.text()

    open_team(coordinator)
    coordinator.press("Name300")
    coordinator.press(remove)
    coordinator.press(remove_yes)
    with core.db.transaction() as session:
        assert session.query(ProjectMember).filter_by(user_id=300).count() == 0
    other.command("/projects")
    assert not any("GreenVET" in b.label for b in buttons(other.last))

    open_team(coordinator)
    coordinator.press("Name200")
    coordinator.press(hand)
    assert "GreenVET" in coordinator.text()
    coordinator.press(hand_yes)
    with core.db.transaction() as session:
        roles = {m.user_id: m.role for m in session.query(ProjectMember).all()}
        assert roles == {100: "member", 200: "coordinator"}
    open_team(member)
    assert f"Name200 — {coordinator_word}" in member.text()
    # the former coordinator can no longer manage the team
    coordinator.send("button", f"tm:invm:{project_id(member)}")
    assert "coordinator" in coordinator.text() or "koordinators" in coordinator.text()
    with core.db.transaction() as session:
        assert session.query(Invite).filter_by(created_by=100).count() == 2


def test_a_member_leaves_and_the_coordinator_cannot(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    member = joins(core, 200, invite(coordinator, "viewer"), "en")
    open_team(member)
    member.press("Leave")
    member.press("Yes, leave")
    assert "no longer on the team" in member.text()
    member.command("/projects")
    assert not any("GreenVET" in b.label for b in buttons(member.last))
    open_team(coordinator)
    coordinator.send("button", f"tm:leaveok:{project_id(coordinator)}")
    assert "cannot leave" in coordinator.text()


@pytest.mark.parametrize("flow", ["sustainability", "partners"])
def test_other_project_tools_members_start_and_viewers_are_refused(
    core: Dialogue, flow: str
) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    member = joins(core, 200, invite(coordinator, "member"), "en")
    viewer = joins(core, 300, invite(coordinator, "viewer"), "en")
    member.command(f"/{flow}")
    assert "GreenVET" in member.text() and buttons(member.last)
    viewer.command(f"/{flow}")
    assert "The team has not finished" in viewer.text()  # nothing to read yet, no run
    assert not any(b.data and b.data.startswith("f:") for b in buttons(viewer.last))


@pytest.mark.parametrize(
    ("lang", "news"),
    [
        ("lv", "🆕 Kopš Jūsu pēdējā apmeklējuma: Projekta risku kontrolsaraksts — Name200, "),
        ("en", "🆕 Since your last visit: Project risk checklist — Name200, "),
    ],
)
def test_since_your_last_visit(core: Dialogue, lang: str, news: str) -> None:
    coordinator = coordinator_with_project(core, 100, lang)
    member = joins(core, 200, invite(coordinator, "member"), lang)
    coordinator.command("/projects")
    coordinator.press("GreenVET")  # the first visit: nothing to tell
    assert "🆕" not in coordinator.text()
    member.command("/risks")
    finish_checklist(member)
    member.command("/projects")
    member.press("GreenVET")
    assert "🆕" not in member.text()  # the member's first visit, and their own work
    coordinator.command("/projects")
    coordinator.press("GreenVET")
    assert news in coordinator.text()
    coordinator.command("/projects")
    coordinator.press("GreenVET")  # told once
    assert "🆕" not in coordinator.text()
