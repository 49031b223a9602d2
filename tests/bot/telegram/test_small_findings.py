"""The red-team run's smaller findings, each through the real transport where it has one:
forged and old buttons, non-UTF-8 terminal input, 120 projects, long texts measured in UTF-16,
oversized webhook bodies."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.dialogue import privacy
from bot.dialogue.callbacks import decode
from bot.dialogue.core import Dialogue
from bot.telegram.send import TEXT_LIMIT, split_text, utf16_length, utf16_prefix
from bot.telegram.webhook import MAX_BODY, SECRET_HEADER
from bot.terminal import TerminalChat
from storage.models import User
from storage.repositories import ProjectRepository
from tests.bot.fake_telegram import callback_update, message_update
from tests.bot.telegram.test_telegram import Harness
from tests.bot.telegram.test_webhook import SECRET, Webhook, _serve
from tests.conftest import build_test_dialogue

USER = 7770001
STALE_LV = "Šo pogu nevar izmantot"


@pytest.fixture
def core(database_url: str) -> Dialogue:
    return build_test_dialogue(database_url)


def _notices(harness: Harness) -> list[str]:
    return [p.get("text") or "" for p in harness.request.sent("answerCallbackQuery")]


@pytest.mark.parametrize(
    "data", ["menu:main\n", "proj:1\n", "lang:lv\n", "proj:2147483648", "fb:99999999999:u"]
)
def test_trailing_newlines_and_huge_numbers_are_not_buttons(data: str) -> None:
    assert decode(data) is None


@pytest.mark.parametrize("data", ["proj:2147483648", "proj:1<", "fb:2147483648:u", "f:9" * 3])
def test_a_forged_button_gets_the_stale_note_not_the_apology(core: Dialogue, data: str) -> None:
    harness = Harness(core)
    harness.run(message_update(USER, "/start"), callback_update(USER, "lang:lv"))
    harness.run(callback_update(USER, data))
    assert STALE_LV in _notices(harness)[-1]
    assert not any("greizi" in p["text"] for p in harness.request.sent())


def _forget_buttons(harness: Harness) -> list[str]:
    markup = harness.request.sent()[-1]["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


def _users(core: Dialogue) -> int:
    with core.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def test_an_old_forget_confirmation_is_stale(
    core: Dialogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = Harness(core)
    harness.run(message_update(USER, "/start"), callback_update(USER, "lang:lv"))
    harness.run(message_update(USER, "/forget"))
    yes, _ = _forget_buttons(harness)
    for old in ("forget:yes", "forget:yes.1"):  # before buttons carried a minute; long ago
        harness.run(callback_update(USER, old))
        assert STALE_LV in _notices(harness)[-1]
    later = time.time() + (privacy.FORGET_VALID_MINUTES + 1) * 60
    monkeypatch.setattr(privacy.time, "time", lambda: later)
    harness.run(callback_update(USER, yes))  # the real button, 11 minutes on
    assert STALE_LV in _notices(harness)[-1]
    assert _users(core) == 1  # nothing erased
    monkeypatch.undo()
    harness.run(callback_update(USER, yes))
    assert _users(core) == 0  # a fresh confirmation still works


def test_the_terminal_survives_input_that_is_not_utf8(core: Dialogue, tmp_path: Path) -> None:
    output = io.StringIO()
    chat = TerminalChat(core, tmp_path, output=output, language_code="lv")
    source = io.TextIOWrapper(io.BytesIO(b"/start\n\xff\xfe kas ir CoVE\xc3\n/help\n"), "utf-8")
    assert chat.run(source) == 0
    assert "/help" in output.getvalue()


def test_120_projects_are_paginated_under_100_buttons(core: Dialogue) -> None:
    harness = Harness(core)
    harness.run(message_update(USER, "/start"), callback_update(USER, "lang:lv"))
    with core.db.transaction() as session:
        projects = ProjectRepository(session)
        for n in range(120):
            projects.add(USER, name=f"Projekts {n}", action="ka2", role="coordinator")
    harness.run(message_update(USER, "/projects"))
    seen: set[str] = set()
    for _ in range(10):
        params = harness.request.sent("sendMessage", "editMessageText")[-1]
        data = _all_buttons(params)
        assert len(data) < 100
        seen |= {d for d in data if d.startswith("proj:") and not d.startswith("proj:p")}
        forward = [d for d in data if d.startswith("proj:p") and "▶️" in _label(params, d)]
        if not forward:
            break
        harness.run(callback_update(USER, forward[0]))
    assert len(seen) == 120


def _all_buttons(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup")
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return [b.get("callback_data", "") for row in markup["inline_keyboard"] for b in row]


def _label(params: dict[str, Any], data: str) -> str:
    markup = params.get("reply_markup")
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return next(b["text"] for row in markup["inline_keyboard"] for b in row
                if b.get("callback_data") == data)  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "😀" * 3500,  # 7,000 UTF-16 units in 3,500 characters
        ("Risks 📌 " * 60 + "\n") * 15,
        "ā" * 9000,
    ],
)
def test_long_texts_are_split_by_utf16_units(text: str) -> None:
    pieces = split_text(text)
    assert all(utf16_length(p) <= TEXT_LIMIT for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )
    assert utf16_prefix("a😀", 2) == "a"  # never half a surrogate pair


@pytest.fixture
def served(sqlite_url: str) -> Iterator[Webhook]:
    yield from _serve(sqlite_url)


def test_an_oversized_body_is_refused_before_it_is_read(served: Webhook) -> None:
    webhook = served
    headers = {SECRET_HEADER: SECRET, "Content-Length": str(MAX_BODY + 1)}
    response = webhook.client.post("/telegram", content=b"{}", headers=headers)
    assert response.status_code == 413

    def chunks() -> Any:
        for _ in range(MAX_BODY // 65536 + 2):
            yield b" " * 65536

    streamed = webhook.client.post("/telegram", content=chunks(), headers={SECRET_HEADER: SECRET})
    assert streamed.status_code == 413


def test_polling_retries_database_trouble_instead_of_apologising(
    dialogue: Dialogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    harness = Harness(dialogue)
    real = dialogue.handle
    failures = iter([OperationalError("SELECT 1", {}, Exception("server closed the connection"))])

    def flaky(inp: Any) -> Any:
        error = next(failures, None)
        if error is not None:
            raise error
        return real(inp)

    monkeypatch.setattr(dialogue, "handle", flaky)
    harness.run(message_update(USER, "/help"))
    [sent] = harness.request.sent()
    assert sent["text"].startswith("Ko es protu")
