"""The first name a project's team sees follows the user's Telegram name on every input (not
only commands), and is written only when it changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Input
from bot.dialogue.names import RECHECK, NameKeeper
from bot.telegram.updates import to_input
from storage.models import ProjectMember
from tests.bot.dialogue.team_helpers import coordinator_with_project, invite, joins
from tests.bot.fake_telegram import callback_update, message_update
from tests.conftest import build_test_dialogue


def test_every_kind_of_update_carries_the_first_name() -> None:
    for payload in (
        callback_update(5, "menu:main"),
        message_update(5, "kur meklēt partnerus?"),
        message_update(5, "/start"),
        message_update(5, None, sticker={"file_id": "s", "file_unique_id": "s", "width": 1,
                                         "height": 1, "is_animated": False, "is_video": False,
                                         "type": "regular"}),
    ):  # fmt: skip
        inp = to_input(payload)
        assert inp is not None and inp.first_name == "Ilze", payload


def test_a_name_is_written_when_it_changed_and_otherwise_not_asked() -> None:
    now = [0.0]
    keeper = NameKeeper(clock=lambda: now[0])
    calls: list[tuple[int, str]] = []

    class Session:
        def execute(self, statement: Any) -> None:
            calls.append((1, "update"))

    session: Any = Session()
    assert keeper.keep(session, 1, "Jānis") and len(calls) == 1
    assert not keeper.keep(session, 1, "Jānis") and len(calls) == 1  # nothing asked
    assert keeper.keep(session, 1, "Jānis K.") and len(calls) == 2  # changed
    assert not keeper.keep(session, 1, None)
    now[0] += RECHECK  # another worker may have seen a change: asked again now and then
    assert keeper.keep(session, 1, "Jānis K.") and len(calls) == 3
    keeper.forget(1)
    assert keeper.keep(session, 1, "Jānis K.") and len(calls) == 4
    # a user the input created is on no team: the name is remembered without asking
    assert not keeper.keep(session, 2, "Anna", new_user=True) and len(calls) == 4
    assert not keeper.keep(session, 2, "Anna") and len(calls) == 4
    assert keeper.keep(session, 2, "Anna B.") and len(calls) == 5


def test_the_team_sees_a_new_first_name_from_a_button_press(database_url: str) -> None:
    core: Dialogue = build_test_dialogue(database_url)
    coordinator = coordinator_with_project(core, 100, "en")
    joins(core, 200, invite(coordinator, "member"), "en")
    updates: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE PROJECT_MEMBERS"):
            updates.append(statement)

    event.listen(core.db.engine, "before_cursor_execute", count)
    try:
        for _ in range(3):  # the same name again and again: no statement at all
            core.handle(Input(200, 200, "button", "menu:main", "en", first_name="Name200"))
        assert updates == []
        core.handle(Input(200, 200, "button", "menu:main", "en", first_name="Jānis"))
        core.handle(Input(200, 200, "text", "kas ir KA2?", "en", first_name="Jānis"))
        assert len(updates) == 1  # written once, when it changed
    finally:
        event.remove(core.db.engine, "before_cursor_execute", count)
    with core.db.transaction() as session:
        names = session.execute(select(ProjectMember.user_id, ProjectMember.first_name)).all()
    assert dict(names) == {100: "Name100", 200: "Jānis"}
    core.db.dispose()
