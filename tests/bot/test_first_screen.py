"""The chat's first screen read without SQLAlchemy is what the dialogue core's ``/start`` gives,
for each kind of user; whenever it cannot be sure, it says so (None)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Input
from bot.dialogue.projects import PROJECT_FLOW
from bot.first_screen import PROJECT_FLOW as FIRST_SCREEN_PROJECT_FLOW
from bot.first_screen import UserView, read_user, render, sqlite_file
from storage.schema_version import head_revisions, sqlite_revisions
from tests.conftest import build_test_dialogue, migrated_sqlite_url, shared_content

USER = 7


def say(core: Dialogue, *lines: str) -> None:
    for line in lines:
        kind = "command" if line.startswith("/") else "text"
        core.handle(Input(USER, USER, kind, line))


def press(core: Dialogue, data: str) -> None:
    core.handle(Input(USER, USER, "button", data))


def first_screen(url: str) -> list[object]:
    content = shared_content()
    view = read_user(url, USER)
    assert view is not None
    return list(render(view, content.texts, content.product))


def core_start(url: str) -> list[object]:
    core = build_test_dialogue(url, demo=False)
    try:
        return list(core.handle(Input(USER, USER, "command", "/start")))
    finally:
        core.db.dispose()


def test_the_project_flow_id_is_the_cores() -> None:
    assert FIRST_SCREEN_PROJECT_FLOW == PROJECT_FLOW


def test_a_new_database_file_is_a_new_user(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'new.db'}"
    assert read_user(url, USER) == UserView(None)
    assert (tmp_path / "var").is_dir() and not (tmp_path / "var" / "new.db").exists()
    screen = first_screen(url)
    assert screen == core_start(url)
    assert "Choose your language" in screen[0].text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ([], UserView(None)),  # never wrote: the language picker
        (["/start"], UserView(None)),  # wrote, chose no language yet
        (["/start", "lang:lv"], UserView("lv")),
        (["/start", "lang:en", "/digcomp"], UserView("en", ("digcomp",))),
        # /partners first asks for a project: the project's set-up runs, DigComp is paused
        (["/start", "lang:en", "/digcomp", "/partners"], UserView("en", ("project", "digcomp"))),
        (["/start", "lang:lv", "/digcomp", "/cancel"], UserView("lv", ("digcomp",))),
    ],
)
def test_first_screen_is_the_cores_start(
    tmp_path: Path, setup: list[str], expected: UserView
) -> None:
    url = migrated_sqlite_url(tmp_path / "chat.db")
    core = build_test_dialogue(url, demo=False)
    try:
        for step in setup:
            press(core, step) if ":" in step else say(core, step)
    finally:
        core.db.dispose()
    assert read_user(url, USER) == expected
    screen = first_screen(url)
    assert screen == core_start(url)
    assert first_screen(url) == screen  # the core's /start changed nothing it shows


def test_a_paused_flow_is_offered_to_continue(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path / "chat.db")
    core = build_test_dialogue(url, demo=False)
    try:
        press(core, "lang:en")
        say(core, "/digcomp", "/cancel")
    finally:
        core.db.dispose()
    menu = first_screen(url)[-1]
    labels = [button.label for row in menu.buttons for button in row]  # type: ignore[attr-defined]
    assert labels[0].startswith("▶️") and "DigComp" in labels[0]
    assert first_screen(url) == core_start(url)


def add_reminder(url: str, due: datetime) -> None:
    path = sqlite_file(url)
    assert path is not None
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO users (id, language, first_seen, last_seen) VALUES (?, 'en', ?, ?)",
            (USER, "2026-01-01 00:00:00.000000", "2026-01-01 00:00:00.000000"),
        )
        connection.execute(
            "INSERT INTO reminders (user_id, flow, key, text, due_at, created_at) "
            'VALUES (?, \'risks\', \'r\', \'{"lv": "x", "en": "x"}\', ?, ?)',
            (USER, due.strftime("%Y-%m-%d %H:%M:%S.%f"), "2026-01-01 00:00:00.000000"),
        )
    connection.close()


def test_a_due_reminder_leaves_the_first_screen_to_the_core(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path / "chat.db")
    moment = datetime(2027, 1, 15, 12, tzinfo=UTC)
    add_reminder(url, moment - timedelta(hours=3))
    assert read_user(url, USER, moment) is None  # shown before the greeting: the usual start
    assert read_user(url, USER, moment - timedelta(hours=4)) == UserView("en")  # not due yet


def test_a_schema_behind_the_code_leaves_it_to_the_core(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path / "chat.db")
    path = sqlite_file(url)
    assert path is not None
    with sqlite3.connect(path) as connection:
        assert sqlite_revisions(connection) == head_revisions()
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    connection.close()
    assert read_user(url, USER) is None  # a migration is due first


def test_an_unreadable_file_leaves_it_to_the_core(tmp_path: Path) -> None:
    not_a_database = tmp_path / "chat.db"
    not_a_database.write_text("hello")
    assert read_user(f"sqlite:///{not_a_database}", USER) is None
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a database without the schema
    assert read_user(f"sqlite:///{empty}", USER) is None


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:5432/celvedis",
        "mysql://nowhere/db",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite+pysqlite:///var/celvedis.db",
        "sqlite:///var/celvedis.db?mode=ro",
        "sqlite:///var/cel%20vedis.db",
    ],
)
def test_other_databases_leave_it_to_the_core(url: str) -> None:
    assert sqlite_file(url) is None
    assert read_user(url, USER) is None


def test_a_folder_that_cannot_be_made_leaves_it_to_the_core(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert read_user(f"sqlite:///{blocker / 'sub' / 'chat.db'}", USER) is None


def test_the_main_menu_needs_the_flows() -> None:
    with pytest.raises(ValueError, match="flows"):
        render(UserView("lv"), shared_content().texts, None)
