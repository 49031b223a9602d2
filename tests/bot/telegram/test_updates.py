"""Updates -> Inputs from the update's plain JSON (the webhook's way, without
python-telegram-bot), the same as through ``Update.to_dict()`` (the polling way), and a webhook
worker that never loads python-telegram-bot."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.dialogue.messages import Input
from bot.telegram.updates import (
    LANGUAGE_CODE_MAX,
    NotAnUpdate,
    callback_query_id,
    pressed_message_id,
    to_input,
)
from tests.bot.fake_telegram import callback_update, channel_post_update, message_update

ROOT = Path(__file__).resolve().parents[3]
USER = 4440001
GROUP = -1004440001
FORWARD = {"type": "hidden_user", "date": 0, "sender_user_name": "X"}


def in_chat(update: dict[str, Any], chat_type: str) -> dict[str, Any]:
    update = copy.deepcopy(update)
    message = update.get("message") or update["callback_query"]["message"]
    message["chat"] = {"id": GROUP, "type": chat_type, "title": "Skolotāji"}
    return update


def with_message(update: dict[str, Any], **fields: Any) -> dict[str, Any]:
    update = copy.deepcopy(update)
    update["message"].update(fields)
    return update


def edited(update: dict[str, Any]) -> dict[str, Any]:
    return {"update_id": update["update_id"], "edited_message": update["message"]}


def from_bot(update: dict[str, Any]) -> dict[str, Any]:
    update = copy.deepcopy(update)
    update["message"]["from"] = {"id": 777, "is_bot": True, "first_name": "Cits"}
    return update


def without_sender(update: dict[str, Any]) -> dict[str, Any]:
    update = copy.deepcopy(update)
    del update["message"]["from"]
    return update


def inline_press(update: dict[str, Any]) -> dict[str, Any]:
    """A press on a button of an inline message: no message, so no chat."""
    update = copy.deepcopy(update)
    del update["callback_query"]["message"]
    update["callback_query"]["inline_message_id"] = "im1"
    return update


STICKER = {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
           "is_animated": False, "is_video": False, "type": "regular"}  # fmt: skip
PHOTO = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
CHANNEL_POST = channel_post_update()

# (name, update, (kind, payload, chat type) or None for an ignored update)
CASES: list[tuple[str, dict[str, Any], tuple[str, str, str] | None]] = [
    ("text", message_update(USER, "kur meklēt partnerus?"),
     ("text", "kur meklēt partnerus?", "private")),
    ("command", message_update(USER, "/digcomp quick"), ("command", "/digcomp quick", "private")),
    ("a slash without the entity is text",
     with_message(message_update(USER, "/start"), entities=[]), ("text", "/start", "private")),
    ("a command entity not at the start is text",
     with_message(message_update(USER, "sveiki /start"),
                  entities=[{"type": "bot_command", "offset": 7, "length": 6}]),
     ("text", "sveiki /start", "private")),
    ("another entity first is text",
     with_message(message_update(USER, "@x /start"),
                  entities=[{"type": "mention", "offset": 0, "length": 2}]),
     ("text", "@x /start", "private")),
    ("button", callback_update(USER, "lang:lv"), ("button", "lang:lv", "private")),
    ("a press on an inline message (no chat)", inline_press(callback_update(USER, "x")), None),
    ("button in a group", in_chat(callback_update(USER, "proj:1"), "supergroup"),
     ("button", "proj:1", "supergroup")),
    ("sticker", message_update(USER, None, sticker=STICKER), ("other", "sticker", "private")),
    ("photo", message_update(USER, None, photo=PHOTO), ("other", "photo", "private")),
    ("dice", message_update(USER, None, dice={"emoji": "🎲", "value": 3}),
     ("other", "dice", "private")),
    ("nothing readable", message_update(USER, None), ("other", "other", "private")),
    ("a forward in private", with_message(message_update(USER, "x"), forward_origin=FORWARD),
     ("other", "forwarded", "private")),
    ("a forward in a group",
     in_chat(with_message(message_update(USER, "/mydata"), forward_origin=FORWARD), "group"),
     None),
    ("text in a group", in_chat(message_update(USER, "@celvedis_bot sveiki"), "group"),
     ("text", "@celvedis_bot sveiki", "group")),
    ("an unknown chat type is shared", in_chat(message_update(USER, "/help"), "forum_thing"),
     ("command", "/help", "group")),
    ("sent on behalf of a chat",
     in_chat(with_message(message_update(USER, "/mydata"),
                          sender_chat={"id": GROUP, "type": "supergroup", "title": "S"}),
             "supergroup"), None),
    ("from a bot", from_bot(message_update(USER, "/mydata")), None),
    ("no sender", without_sender(message_update(USER, "/mydata")), None),
    ("an edit", edited(message_update(USER, "labots")), None),
    ("a channel post", CHANNEL_POST, None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "update", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_rules_from_plain_json(
    name: str, update: dict[str, Any], expected: tuple[str, str, str] | None
) -> None:
    inp = to_input(update, "celvedis_bot")
    if expected is None:
        assert inp is None
        return
    assert inp is not None
    kind, payload, chat_type = expected
    assert (inp.kind, inp.payload, inp.chat_type) == (kind, payload, chat_type)
    assert inp.user_id == USER
    assert inp.chat_id == (USER if chat_type == "private" else GROUP)
    assert inp.language_code == "lv" and inp.first_name == "Ilze"
    assert inp.bot_username == "celvedis_bot"


@pytest.mark.parametrize(("name", "update", "expected"), CASES, ids=[c[0] for c in CASES])
def test_polling_reads_the_same_through_update_to_dict(
    name: str, update: dict[str, Any], expected: tuple[str, str, str] | None
) -> None:
    through_ptb = Update.de_json(copy.deepcopy(update), None).to_dict()
    assert to_input(through_ptb, "b") == to_input(update, "b")


@pytest.mark.parametrize(
    ("code", "kept"),
    [
        ("lv", "lv"),
        ("en-GB", "en-GB"),
        ("", None),
        ("l\x00v", "lv"),
        ("\ud800", None),
        ("x" * 100, "x" * LANGUAGE_CODE_MAX),
        (None, None),
    ],
)
def test_language_codes_are_cleaned(code: str | None, kept: str | None) -> None:
    update = message_update(USER, "sveiki")
    update["message"]["from"]["language_code"] = code
    inp = to_input(update)
    assert inp == Input(USER, USER, "text", "sveiki", kept, "private", None, "Ilze")


def test_a_missing_first_name_is_none() -> None:
    update = message_update(USER, "sveiki")
    del update["message"]["from"]["first_name"]
    inp = to_input(update)
    assert inp is not None and inp.first_name is None


@pytest.mark.parametrize(
    "spoil",
    [
        lambda u: u["message"].update(chat=None),
        lambda u: u["message"].update(chat="private"),
        lambda u: u["message"]["chat"].update(id="5"),
        lambda u: u["message"]["chat"].pop("type"),
        lambda u: u["message"]["from"].update(id=None),
        lambda u: u["message"]["from"].update(id=True),
        lambda u: u["message"]["from"].pop("is_bot"),
        lambda u: u["message"].update(text=5),
        lambda u: u["message"].update(entities="bot_command"),
        lambda u: u["message"].update(entities=[{"type": "bot_command"}]),
        lambda u: u.update(message=[]),
    ],
)
def test_a_malformed_part_is_not_an_update(spoil: Any) -> None:
    update = message_update(USER, "/start")
    spoil(update)
    with pytest.raises(NotAnUpdate):
        to_input(update)


def test_a_button_press_gives_its_id_and_the_message_to_edit() -> None:
    update = callback_update(USER, "lang:lv", message_id=4321)
    assert callback_query_id(update) == update["callback_query"]["id"]
    assert pressed_message_id(update) == 4321
    assert callback_query_id(inline_press(update)) == update["callback_query"]["id"]
    assert pressed_message_id(inline_press(update)) is None
    plain = message_update(USER, "sveiki")
    assert callback_query_id(plain) is None and pressed_message_id(plain) is None
    del update["callback_query"]["id"]
    with pytest.raises(NotAnUpdate):
        callback_query_id(update)


WORKER = """
import json, sys, warnings
from flows import isolation
from bot.settings import Settings
from bot.telegram.webhook import SECRET_HEADER, create_app
from tests.support.fake_bot_api import FakeBotApi
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

isolation.READY_TIMEOUT = 0.0  # the helper's warm-up is not what this looks at
database = sys.argv[1]
with FakeBotApi() as fake:
    settings = Settings(database_url=database, telegram_token=fake.token,
                        webhook_secret="s", api_base_url=fake.base_url)
    with TestClient(create_app(settings)) as client:
        statuses = [
            client.post("/telegram", json=update, headers={SECRET_HEADER: "s"}).status_code
            for update in json.loads(sys.argv[2])
        ]
        statuses.append(client.get("/healthz").status_code)
        fake.wait_for(lambda calls: len(fake.messages_for(9)) >= 3, timeout=60)
isolation.enable(False)
loaded = sorted(m for m in sys.modules if m == "telegram" or m.startswith("telegram."))
print(json.dumps({"statuses": statuses, "telegram": loaded}))
"""


def test_a_webhook_worker_never_loads_python_telegram_bot(tmp_path: Path) -> None:
    from bot.cli import migrate_or_explain

    database = f"sqlite:///{tmp_path / 'worker.db'}"
    migrate_or_explain(database)
    updates = [  # the test helpers that build them load python-telegram-bot: built here
        message_update(9, "/start"),
        callback_update(9, "lang:lv"),
        message_update(9, "kur meklet partnerus"),
    ]
    run = subprocess.run(
        [sys.executable, "-c", WORKER, database, json.dumps(updates)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["statuses"] == [200, 200, 200, 200]
    assert result["telegram"] == []
