"""The webhook worker learns the bot's @username from getMe (its own Bot API client), and the
links it writes name that bot rather than the configured fallback."""

from __future__ import annotations

import re
import warnings

from bot.settings import Settings
from bot.telegram.webhook import SECRET_HEADER, create_app
from tests.bot.fake_telegram import callback_update, message_update
from tests.bot.telegram.test_webhook import _eventually
from tests.conftest import build_test_dialogue
from tests.support.fake_bot_api import FakeBotApi

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SECRET = "test-secret_123"
TEACHER = 5551234


def test_group_link_names_the_bot_getme_answered(database_url: str) -> None:
    dialogue = build_test_dialogue(database_url)
    with FakeBotApi(bot_username="skola_lv_bot") as fake:
        settings = Settings(
            database_url=database_url,
            telegram_token=fake.token,
            webhook_secret=SECRET,
            api_base_url=fake.base_url,
            bot_username="configured_bot",
        )
        with TestClient(create_app(settings, dialogue=dialogue)) as client:
            assert fake.wait_for(lambda calls: bool(fake.calls("getMe")), timeout=60)
            # The answer read: the worker marks the Bot API reachable and learns the name in
            # one step of its event loop, which also serves /healthz (nothing was sent yet, so
            # only getMe's answer can have marked it).
            assert _eventually(lambda: client.get("/healthz").json()["bot_api"] == "ok")
            for update in (
                message_update(TEACHER, "/start"),
                callback_update(TEACHER, "lang:lv"),
                message_update(TEACHER, "/grupa jauna 3.B mehatroniķi"),
            ):
                headers = {SECRET_HEADER: SECRET}
                assert client.post("/telegram", json=update, headers=headers).status_code == 200
            fake.wait_for(
                lambda calls: any("t.me/" in t for t in fake.messages_for(TEACHER)), timeout=60
            )
    link = next(t for t in fake.messages_for(TEACHER) if "t.me/" in t)
    assert re.search(r"https://t\.me/skola_lv_bot\?start=[A-Za-z0-9_-]{32,64}", link), link
