"""The webhook's own Bot API client against the fake Bot API server: every method it has, what
arrives, and each kind of refusal as the exception the outbox sender acts on."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from bot.dialogue.messages import Button, OutFile, Reply
from bot.telegram.bot_api import (
    BadRequest,
    BotApi,
    BotApiError,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from bot.telegram.send import ApiTransport, send_replies
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotApi

CHAT = 4242


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def run(fake: FakeBotApi, use: Any, token: str = DEFAULT_TOKEN) -> Any:
    """``use(api)`` with a client of ``fake``, closed afterwards."""

    async def scenario() -> Any:
        async with BotApi(token, fake.base_url, pool_size=2) as api:
            return await use(api)

    return asyncio.run(scenario())


def test_get_me_learns_the_username(fake: FakeBotApi) -> None:
    async def use(api: BotApi) -> tuple[str | None, dict[str, Any]]:
        before = api.username
        return before, await api.get_me()

    before, me = run(fake, use)
    assert before is None and me["username"] == "celvedis_bot" and me["is_bot"] is True


def test_each_sending_method_arrives_as_telegram_reads_it(fake: FakeBotApi) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Jā", "callback_data": "f:1:y"}]]}

    async def use(api: BotApi) -> None:
        await api.send_message(CHAT, "Sveiki, Ilze! 🙂", keyboard, no_preview=True)
        await api.edit_message_text(CHAT, 7, "Labots — ā", None)
        await api.answer_callback_query("cb1", text="Paziņojums")
        await api.answer_callback_query("cb2")
        await api.send_file(CHAT, "chart.png", b"\x89PNG-data", photo=True, caption="Profils")
        await api.send_file(
            CHAT, "digcomp.pdf", b"%PDF-1.4 fake", photo=False, reply_markup=keyboard
        )
        assert await api.call("setWebhook", {"url": "https://example.org/t"}) is True

    run(fake, use)
    message, edit, answer, bare, photo, document, webhook = fake.calls()
    assert message.method == "sendMessage" and message.chat_id == CHAT
    assert message.text == "Sveiki, Ilze! 🙂" and message.params["reply_markup"] == keyboard
    assert message.params["link_preview_options"] == {"is_disabled": True}
    assert edit.method == "editMessageText" and edit.params["message_id"] == 7
    assert edit.text == "Labots — ā"
    assert "reply_markup" not in edit.params and "link_preview_options" not in edit.params
    assert answer.params == {"callback_query_id": "cb1", "text": "Paziņojums"}
    assert bare.params == {"callback_query_id": "cb2"}  # None is left out, not sent as null
    assert photo.method == "sendPhoto" and photo.files["photo"] == ("chart.png", b"\x89PNG-data")
    assert photo.chat_id == CHAT and photo.text == "Profils"
    assert document.method == "sendDocument" and document.text is None
    assert document.files["document"] == ("digcomp.pdf", b"%PDF-1.4 fake")
    assert document.params["reply_markup"] == keyboard
    assert webhook.method == "setWebhook" and webhook.params["url"] == "https://example.org/t"


def test_flood_control_is_retry_after_with_its_seconds(fake: FakeBotApi) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        run(fake, lambda api: api.send_message(CHAT, "x"))
    assert caught.value.retry_after == 7.0 and caught.value.code == 429


@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, BadRequest), (403, Forbidden), (500, NetworkError), (502, NetworkError)],
)
def test_refusals_are_the_errors_the_sender_acts_on(
    fake: FakeBotApi, status: int, kind: type[BotApiError]
) -> None:
    fake.fail_next("sendMessage", status=status)
    with pytest.raises(kind) as caught:
        run(fake, lambda api: api.send_message(CHAT, "x"))
    assert type(caught.value) is kind and caught.value.message


def test_a_wrong_token_is_neither_retried_nor_a_network_error(fake: FakeBotApi) -> None:
    with pytest.raises(BotApiError) as caught:
        run(fake, lambda api: api.get_me(), token="999:WRONG")
    assert type(caught.value) is BotApiError and caught.value.code == 401


def test_no_server_is_a_network_error_without_the_token() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there

    async def scenario() -> None:
        async with BotApi(DEFAULT_TOKEN, f"http://127.0.0.1:{port}/bot") as api:
            await api.send_message(CHAT, "x")

    with pytest.raises(NetworkError) as caught:
        asyncio.run(scenario())
    assert DEFAULT_TOKEN not in str(caught.value) and "TEST-TOKEN" not in repr(caught.value)


def test_replies_through_the_client_edit_then_fall_back_to_sending(fake: FakeBotApi) -> None:
    fake.fail_next("editMessageText", status=400)  # e.g. "message is not modified"
    replies = [
        Reply("Izvēlies:", buttons=((Button("Jā", "f:1:y"), Button("Saite", url="https://x.lv")),),
              edit=True),
        Reply("Grafiks", files=(OutFile("chart.png", b"png", is_image=True),)),
    ]  # fmt: skip

    async def use(api: BotApi) -> None:
        await send_replies(ApiTransport(api), CHAT, replies, edit_message_id=5)

    run(fake, use)
    edit, message, photo = fake.calls()
    assert edit.method == "editMessageText" and not edit.ok and edit.params["message_id"] == 5
    assert message.method == "sendMessage" and message.text == "Izvēlies:"
    rows = message.params["reply_markup"]["inline_keyboard"]
    assert rows == [[{"text": "Jā", "callback_data": "f:1:y"},
                     {"text": "Saite", "url": "https://x.lv"}]]  # fmt: skip
    assert photo.method == "sendPhoto" and photo.text == "Grafiks"
    assert photo.files["photo"] == ("chart.png", b"png")


def test_a_long_reply_is_split_and_the_keyboard_goes_on_its_last_piece(fake: FakeBotApi) -> None:
    text = ("Rindkopa ar garumzīmēm.\n" * 300).strip()  # > 4096 characters
    reply = Reply(text, buttons=((Button("Tālāk", "next"),),))

    async def use(api: BotApi) -> None:
        await send_replies(ApiTransport(api), CHAT, [reply], edit_message_id=9)

    run(fake, use)
    calls = fake.calls()
    assert [c.method for c in calls] == ["sendMessage", "sendMessage"]  # too long to edit
    assert "reply_markup" not in calls[0].params and calls[1].params["reply_markup"]
    assert "\n".join(c.text or "" for c in calls) == text
