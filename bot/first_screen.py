"""What ``python -m bot chat`` shows before its first prompt, worked out without SQLAlchemy.

The terminal's first screen is the dialogue core's answer to ``/start``: the language picker
for a user who has not chosen a language, otherwise the welcome, the privacy notice and the
main menu (the runs to continue first). That answer depends on two rows of the user's data,
read here from the SQLite file with the standard library's ``sqlite3`` (read-only), so the
prompt can be shown while SQLAlchemy, the ORM and the database start in the background
(``bot.terminal``). The dialogue core then answers the same ``/start`` for real, and the
terminal shows its replies too should they differ (tests/bot/test_first_screen.py compares
the two for each kind of user).

``read_user`` returns None whenever the answer is not certain: not a plain SQLite file, a
schema at another version than the code's (a migration is due), a reminder due, anything
unreadable. The chat then starts as it always has, waiting for the database before the prompt.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.dialogue import callbacks
from bot.dialogue.messages import Button, Reply
from knowledge.texts import DEFAULT_LANGUAGE, LANGUAGES, Catalogue
from storage.schema_version import head_revisions, sqlite_revisions

if TYPE_CHECKING:
    from flows.registry import FlowRegistry

PROJECT_FLOW = "project"  # bot.dialogue.projects.PROJECT_FLOW (a test keeps them equal)
SQLITE_PREFIX = "sqlite:///"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a (UTC) time in SQLite


@dataclass(frozen=True)
class UserView:
    """What the first screen depends on: the user's language (None: not chosen yet) and the
    flows they can carry on with, the active run's first."""

    language: str | None
    resumable: tuple[str, ...] = ()


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL; None for anything else (another database,
    a driver or options in the URL, an in-memory database, escaped characters)."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    database = url.removeprefix(SQLITE_PREFIX)
    if not database or database == ":memory:" or any(c in database for c in "?%#"):
        return None
    return Path(database)


def read_user(url: str, user_id: int, now: datetime | None = None) -> UserView | None:
    """The user's side of the first screen, or None when it cannot be told for sure."""
    path = sqlite_file(url)
    if path is None:
        return None
    if not path.exists():  # a fresh database (made in the background): a new user
        return _fresh(path)
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except (sqlite3.Error, OSError):
        return None
    try:
        return _read(connection, user_id, now or datetime.now(UTC))
    except (sqlite3.Error, ValueError, TypeError, AttributeError):
        return None
    finally:
        connection.close()


def _fresh(path: Path) -> UserView | None:
    """A new user, if the database can be created where the URL says (else None: the usual
    start-up reports the problem before the prompt)."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return UserView(None) if os.access(folder, os.W_OK) else None


def _read(connection: sqlite3.Connection, user_id: int, now: datetime) -> UserView | None:
    heads = head_revisions()
    if not heads or sqlite_revisions(connection) != heads:
        return None  # a migration is due first
    moment = now.astimezone(UTC).strftime(TIME_FORMAT)
    due = connection.execute(
        "SELECT 1 FROM reminders WHERE user_id = ? AND sent_at IS NULL AND due_at <= ? LIMIT 1",
        (user_id, moment),
    ).fetchone()
    if due is not None:
        return None  # reminders come before the greeting: the usual start-up shows them
    user = connection.execute("SELECT language FROM users WHERE id = ?", (user_id,)).fetchone()
    if user is None or user[0] is None:
        return UserView(None)
    state = connection.execute(
        "SELECT flow, paused FROM dialogue_states WHERE user_id = ?", (user_id,)
    ).fetchone()
    resumable: list[str] = []
    if state is not None:
        flow, paused = state
        if flow:
            resumable.append(str(flow))
        for flow_id, stored in json.loads(paused or "{}").items():  # as bot.dialogue.state
            if isinstance(stored, dict) and stored.get("flow") and flow_id not in resumable:
                resumable.append(str(flow_id))
    return UserView(str(user[0]), tuple(resumable))


def render(view: UserView, texts: Catalogue, flows: FlowRegistry | None) -> list[Reply]:
    """The replies the dialogue core gives this user's ``/start`` (bot.dialogue.commands);
    ``flows`` is needed only for a user with a language (the main menu)."""
    if view.language is None:  # the core's language picker for a user without a language
        lang = DEFAULT_LANGUAGE
        row = tuple(
            Button(texts.text(f"language.name_{code}", lang), callbacks.encode("lang", code))
            for code in LANGUAGES
        )
        return [Reply(texts.text("language.ask", lang), buttons=(row,))]
    if flows is None:
        raise ValueError("the main menu needs the flows")
    from bot.dialogue import views

    lang = view.language
    resumable = [flow for flow in map(flows.get, view.resumable) if flow is not None]
    menu = views.main_menu(
        texts, lang, flows, resumable, with_projects=flows.get(PROJECT_FLOW) is not None
    )
    return [Reply(texts.text("welcome", lang)), Reply(texts.text("privacy.notice", lang)), menu]
