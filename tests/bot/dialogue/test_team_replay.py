"""A stranger, a removed member and a viewer replaying every button the coordinator and a member
saw (and forged ones, and forged or withdrawn invite tokens) never change the project's rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Reply
from tests.bot.dialogue.group_helpers import Person
from tests.bot.dialogue.team_helpers import (
    finish_checklist,
    invite,
    joins,
    open_team,
)
from tests.bot.helpers import buttons
from tests.conftest import build_test_dialogue

TABLES = ("projects", "project_members", "invites", "flow_results", "reminders")
ACTIONS = (
    "show", "invm", "invv", "links", "revoke", "leave", "leaveok", "mem", "mkm", "mkv", "rm",
    "rmok", "hand", "handok", "invm7", "newm1d14", "newvnd30", "newm5d7",
)  # fmt: skip


class Recording(Person):
    """A person who remembers every button they were shown."""

    seen: list[str]

    def send(self, kind: str, payload: str) -> list[Reply]:
        replies = super().send(kind, payload)
        self.seen = getattr(self, "seen", [])
        self.seen.extend(b.data for b in buttons(replies) if b.data)
        return replies


def snapshot(core: Dialogue) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the project's tables, column by column, except when each person last
    opened the project (``seen_at``: the viewer opening the card moves their own)."""
    with core.db.engine.connect() as connection:
        snap: dict[str, list[tuple[object, ...]]] = {}
        for table in TABLES:
            rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY id")).mappings()
            snap[table] = [tuple(v for k, v in row.items() if k != "seen_at") for row in rows]
        return snap


@pytest.fixture
def core(database_url: str) -> Iterator[Dialogue]:
    dialogue = build_test_dialogue(database_url)
    yield dialogue
    dialogue.db.dispose()


def test_outsiders_replaying_buttons_and_tokens_change_nothing(core: Dialogue) -> None:
    coordinator = Recording(core, 100, "en")
    coordinator.seen = []
    coordinator.start()
    coordinator.command("/risks")
    coordinator.send("text", "GreenVET")
    for option in ("ka2", "coordinator"):
        data = next(b.data for b in buttons(coordinator.last) if b.data and b.data.endswith(option))
        coordinator.send("button", data)
    coordinator.send("text", "01.09.2025")
    coordinator.send("text", "31.08.2027")
    finish_checklist(coordinator)
    tokens = [
        invite(coordinator, "member"),
        invite(coordinator, "member"),
        invite(coordinator, "viewer"),
    ]
    member = joins(core, 200, tokens[0], "en")
    removed = joins(core, 300, tokens[1], "lv")
    viewer = joins(core, 400, tokens[2], "en")
    open_team(coordinator)
    coordinator.press("Name200")  # the member's page, with its buttons
    coordinator.press("Take off")  # a confirmation for the member, never pressed
    open_team(coordinator)
    coordinator.press("Name300")
    coordinator.press("Take off")
    coordinator.press("Yes, take off")  # 300 is removed
    open_team(coordinator)
    coordinator.press("📋")
    coordinator.press("🚫")  # every invite withdrawn
    member.command("/risks")
    seen = sorted(set(coordinator.seen) | {b.data for b in buttons(member.last) if b.data})
    project = next(int(d.rsplit(":", 1)[1]) for d in seen if d.startswith("tm:show:"))
    forged = [f"tm:{a}:{n}" for a in ACTIONS for n in range(0, 8)]
    forged += [f"pj:{a}:{project}" for a in ("name", "dates", "archive", "delete", "deleteok")]
    forged += [f"proj:{project}", "go:risks:edit", "go:risks:new", "tm:join:" + "A" * 32]
    forged += [f"rv:{flow}:{project}" for flow in ("risks", "sustainability", "partners")]
    forged += [f"tm:join:{token}" for token in tokens]
    before = snapshot(core)

    stranger = Person(core, 500, "lv")
    stranger.start()
    for outsider in (stranger, removed, viewer):
        for token in [*tokens, "A" * 32, tokens[0][:-2]]:
            outsider.command(f"/start {token}")
        for data in [*seen, *forged, *seen]:
            if outsider is viewer and data.startswith("tm:leave"):
                continue  # leaving is the viewer's own right (tested on its own)
            outsider.send("button", data)
        outsider.command("/risks")
        outsider.send("text", "Name")
    assert snapshot(core) == before
