"""Shared projects and the user's data rights: /mydata lists the teams, /forget says what
happens to each shared project before it hands a coordinated project to the team, and /privacy
says what a team sees."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.dialogue.core import Dialogue
from storage.models import FlowResult, Project, ProjectMember
from tests.bot.dialogue.team_helpers import (
    coordinator_with_project,
    finish_checklist,
    invite,
    joins,
)
from tests.conftest import build_test_dialogue


@pytest.fixture
def core(database_url: str) -> Iterator[Dialogue]:
    dialogue = build_test_dialogue(database_url)
    yield dialogue
    dialogue.db.dispose()


@pytest.mark.parametrize(
    ("lang", "handed", "yes"),
    [
        ("lv", "Projektu „GreenVET” pārņems Name300", "Jā"),
        ("en", "“GreenVET” will pass to Name300", "Yes"),
    ],
)
def test_a_coordinator_who_forgets_hands_the_project_to_the_longest_standing_member(
    core: Dialogue, lang: str, handed: str, yes: str
) -> None:
    coordinator = coordinator_with_project(core, 100, lang)
    finish_checklist(coordinator)
    viewer = joins(core, 200, invite(coordinator, "viewer"), lang)
    joins(core, 300, invite(coordinator, "member"), lang)  # joined later, but a member
    joins(core, 400, invite(coordinator, "member"), lang)

    coordinator.command("/forget")
    assert handed in coordinator.text()
    coordinator.press(yes)
    with core.db.transaction() as session:
        project = session.query(Project).one()
        assert project.user_id == 300
        roles = {m.user_id: m.role for m in session.query(ProjectMember).all()}
        assert roles == {200: "viewer", 300: "coordinator", 400: "member"}
        kept = session.query(FlowResult).filter_by(project_id=project.id).one()
        assert kept.user_id is None  # the register stays the team's, unlinked from 100
    viewer.command("/risks")  # the team still has its register
    assert "GreenVET" in viewer.text()


def test_a_member_who_forgets_leaves_and_the_teams_register_stays(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    member = joins(core, 200, invite(coordinator, "member"), "en")
    member.command("/risks")
    finish_checklist(member)
    member.command("/mydata")
    exported = json.loads(member.last[0].files[0].data)["tables"]["project_members"]
    assert [(row["role"], row["project_name"]) for row in exported] == [("member", "GreenVET")]
    member.command("/forget")
    assert "You will be taken off the team of “GreenVET”" in member.text()
    member.press("Yes")
    with core.db.transaction() as session:
        assert session.query(ProjectMember).filter_by(user_id=200).count() == 0
        assert [r.user_id for r in session.query(FlowResult).all()] == [None]
    later = joins(core, 300, invite(coordinator, "viewer"), "en")
    later.command("/risks")
    assert "Risk register — GreenVET" in later.text()


def test_a_lone_coordinators_project_is_deleted(core: Dialogue) -> None:
    coordinator = coordinator_with_project(core, 100, "en")
    coordinator.command("/forget")
    assert "GreenVET" not in coordinator.text()  # nothing shared: no project line
    coordinator.press("Yes")
    with core.db.transaction() as session:
        assert session.query(Project).count() == 0


@pytest.mark.parametrize(("lang", "line"), [("lv", "kopīgi projekti"), ("en", "shared projects")])
def test_privacy_says_what_a_team_sees(core: Dialogue, lang: str, line: str) -> None:
    coordinator = coordinator_with_project(core, 100, lang)
    coordinator.command("/privacy")
    assert line in coordinator.text()
