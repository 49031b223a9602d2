"""Shared chats through the real Telegram transport: nothing personal ever reaches a group."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.dialogue.core import Dialogue
from storage.models import User
from tests.bot.fake_telegram import (
    BOT_USER,
    callback_update,
    channel_post_update,
    message_update,
)
from tests.bot.telegram.test_telegram import Harness

USER = 6660001
GROUP = -1001234567890
GROUP_LINE_LV = "Grupā neko personisku nerādu"
PRIVATE_URL = f"https://t.me/{BOT_USER['username']}"


@pytest.fixture
def harness(dialogue: Dialogue) -> Harness:
    return Harness(dialogue)


def in_group(update: dict[str, Any], chat_type: str = "supergroup") -> dict[str, Any]:
    """The same update, written in a group chat."""
    update = copy.deepcopy(update)
    for key in ("message", "callback_query"):
        if key in update:
            message = update[key] if key == "message" else update[key]["message"]
            message["chat"] = {"id": GROUP, "type": chat_type, "title": "Skolotāji"}
    return update


def to_group(harness: Harness) -> list[tuple[str, dict[str, Any]]]:
    return [(e, p) for e, p in harness.request.calls if str(p.get("chat_id")) == str(GROUP)]


def users(dialogue: Dialogue) -> int:
    with dialogue.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def test_every_command_in_a_group_gets_one_line_and_the_private_chat_link(
    harness: Harness, dialogue: Dialogue
) -> None:
    commands = [*dialogue.commands, "digcomp quick"]  # every command in the table
    harness.run(*(in_group(message_update(USER, f"/{c}")) for c in commands))
    sent = to_group(harness)
    assert len(sent) == len(commands)
    for endpoint, params in sent:
        assert endpoint == "sendMessage"  # never a document or a photo
        assert params["text"].startswith("🔒 " + GROUP_LINE_LV)
        markup = params["reply_markup"]
        markup = json.loads(markup) if isinstance(markup, str) else markup
        assert markup["inline_keyboard"] == [
            [{"text": "💬 Atvērt privātu sarunu", "url": PRIVATE_URL}]
        ]
    assert users(dialogue) == 0  # nothing stored about group members


def test_group_chatter_is_ignored_and_a_mention_is_pointed_to_the_private_chat(
    harness: Harness, dialogue: Dialogue
) -> None:
    harness.run(
        in_group(message_update(USER, "kur meklēt partnerus?")),
        in_group(message_update(USER, "/start@some_other_bot")),
        in_group(message_update(USER, sticker={"file_id": "s", "file_unique_id": "s",
                                               "width": 1, "height": 1, "is_animated": False,
                                               "is_video": False, "type": "regular"})),
    )  # fmt: skip
    assert to_group(harness) == []
    harness.run(in_group(message_update(USER, "@Celvedis_bot kur meklēt partnerus?"), "group"))
    harness.run(in_group(message_update(USER, "/help@celvedis_bot")))
    texts = [p["text"] for _, p in to_group(harness)]
    assert len(texts) == 2 and all(GROUP_LINE_LV in t for t in texts)
    assert users(dialogue) == 0


def test_a_button_pressed_in_a_group_is_answered_only_to_the_presser(harness: Harness) -> None:
    harness.run(in_group(callback_update(USER, "proj:1")))
    answers = harness.request.sent("answerCallbackQuery")
    assert len(answers) == 1 and GROUP_LINE_LV in answers[0]["text"]
    assert to_group(harness) == []


def test_english_clients_get_the_line_in_english(harness: Harness) -> None:
    update = in_group(message_update(USER, "/mydata"))
    update["message"]["from"]["language_code"] = "en-GB"
    harness.run(update)
    assert to_group(harness)[0][1]["text"].startswith("🔒 I show nothing personal in a group")


def test_channel_posts_bots_and_forwards_are_ignored(harness: Harness, dialogue: Dialogue) -> None:
    channel_post = channel_post_update()
    from_bot = message_update(USER, "/mydata")
    from_bot["message"]["from"] = {"id": 777, "is_bot": True, "first_name": "Cits"}
    forwarded = in_group(message_update(USER, "@celvedis_bot /mydata"))
    forwarded["message"]["forward_origin"] = {
        "type": "hidden_user",
        "date": 0,
        "sender_user_name": "X",
    }
    anonymous_admin = in_group(message_update(USER, "/mydata"))
    anonymous_admin["message"]["sender_chat"] = {"id": GROUP, "type": "supergroup", "title": "S"}
    harness.run(channel_post, from_bot, forwarded, anonymous_admin)
    assert harness.request.sent("sendMessage", "sendDocument", "sendPhoto") == []
    assert users(dialogue) == 0


def test_a_forward_in_the_private_chat_gets_the_text_only_note(harness: Harness) -> None:
    forwarded = message_update(USER, "kur meklēt partnerus?")
    forwarded["message"]["forward_origin"] = {
        "type": "hidden_user",
        "date": 0,
        "sender_user_name": "X",
    }
    harness.run(message_update(USER, "/start"), callback_update(USER, "lang:lv"), forwarded)
    assert any("Es saprotu tekstu un pogas" in p["text"] for p in harness.request.sent())


def test_the_private_chat_still_works_after_the_group(harness: Harness, dialogue: Dialogue) -> None:
    harness.run(in_group(message_update(USER, "/mydata")), message_update(USER, "/mydata"))
    documents = harness.request.sent("sendDocument")
    assert len(documents) == 1 and str(documents[0]["chat_id"]) == str(USER)
