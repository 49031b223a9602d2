"""The fake Bot API answers python-telegram-bot's real HTTP requests and records them."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import InvalidToken, RetryAfter

from tests.support.fake_bot_api import DEFAULT_TOKEN, ApiCall, FakeBotApi
from tests.support.ports import reserved_port

CHAT = 4242
ROOT = Path(__file__).resolve().parents[2]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_bot_calls_are_answered_with_objects_ptb_parses(fake: FakeBotApi) -> None:
    async def scenario() -> None:
        async with Bot(DEFAULT_TOKEN, base_url=fake.base_url) as bot:
            me = await bot.get_me()
            assert me.id == 123456 and me.is_bot and me.username == "celvedis_bot"
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Jā", callback_data="f:1:y")]])
            first = await bot.send_message(CHAT, "Sveiki, Ilze! 🙂", reply_markup=markup)
            assert first.text == "Sveiki, Ilze! 🙂" and first.chat.id == CHAT
            photo = await bot.send_photo(
                CHAT, InputFile(PNG, filename="chart.png"), caption="Profils — ā"
            )
            assert photo.photo and photo.caption == "Profils — ā"
            document = await bot.send_document(
                CHAT, InputFile(b"%PDF-1.4 fake", filename="digcomp.pdf"), caption="PDF"
            )
            assert document.document is not None
            assert document.document.file_name == "digcomp.pdf"
            assert [first.message_id, photo.message_id, document.message_id] == [1, 2, 3]
            edited = await bot.edit_message_text("Labots", chat_id=CHAT, message_id=1)
            assert not isinstance(edited, bool) and edited.message_id == 1
            assert edited.text == "Labots"
            assert await bot.answer_callback_query("cb1", text="Paziņojums") is True
            assert await bot.set_my_commands([BotCommand("start", "Sākt")], language_code="lv")
            assert await bot.delete_my_commands()
            other = await bot.send_message(CHAT + 1, "Otram")
            assert other.message_id == 1  # message ids count per chat

    run(scenario())
    assert fake.messages_for(CHAT) == [
        "Sveiki, Ilze! 🙂",
        "Profils — ā",
        "PDF",
        "Labots",
    ]
    assert fake.messages_for(CHAT + 1) == ["Otram"]
    sent = fake.calls("sendMessage", chat_id=CHAT)[0]
    assert sent.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Jā", "callback_data": "f:1:y"}]]
    }
    photo = fake.calls("sendPhoto")[0]
    assert photo.chat_id == CHAT and photo.files["photo"] == ("chart.png", PNG)
    assert "photo" not in photo.params
    answer = fake.calls("answerCallbackQuery")[0]
    assert answer.params == {"callback_query_id": "cb1", "text": "Paziņojums"}
    commands = fake.calls("setMyCommands")[0].params
    assert commands["commands"] == [{"command": "start", "description": "Sākt"}]
    assert commands["language_code"] == "lv"
    methods = [call.method for call in fake.calls()]
    assert methods[0] == "getMe" and "deleteMyCommands" in methods
    ats = [call.at for call in fake.calls()]
    assert ats == sorted(ats)


def test_webhook_methods_and_a_generic_answer(fake: FakeBotApi) -> None:
    async def scenario() -> None:
        async with Bot(DEFAULT_TOKEN, base_url=fake.base_url) as bot:
            assert (await bot.get_webhook_info()).url == ""
            assert await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
            assert (await bot.get_webhook_info()).url == "https://example.org/hook"
            assert await bot.send_chat_action(CHAT, "typing")  # anything else: true
            assert await bot.delete_webhook()
            assert (await bot.get_webhook_info()).url == ""

    run(scenario())
    hook = fake.calls("setWebhook")[0]
    assert hook.params["url"] == "https://example.org/hook"
    assert hook.params["secret_token"] == "s3cret"


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_flood_limit_makes_ptb_raise_retry_after_then_recovers(fake: FakeBotApi) -> None:
    fake.fail_next("sendMessage", 2, retry_after=3)

    async def scenario() -> None:
        async with Bot(DEFAULT_TOKEN, base_url=fake.base_url) as bot:
            for _ in range(2):
                with pytest.raises(RetryAfter) as caught:
                    await bot.send_message(CHAT, "par ātru")
                assert "Retry in 3 seconds" in caught.value.message
            await bot.send_message(CHAT, "tagad")

    run(scenario())
    assert [call.ok for call in fake.calls("sendMessage")] == [False, False, True]
    assert fake.messages_for(CHAT) == ["tagad"]


def test_flood_error_has_telegrams_shape() -> None:
    with FakeBotApi() as fake:
        fake.fail_next("sendMessage", 1)
        request = urllib.request.Request(
            f"{fake.base_url}{fake.token}/sendMessage",
            data=json.dumps({"chat_id": CHAT, "text": "x"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=60)
        assert caught.value.code == 429
        assert json.loads(caught.value.read()) == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
        with urllib.request.urlopen(request, timeout=60) as response:  # JSON bodies work too
            body = json.loads(response.read())
        assert body["ok"] and body["result"]["text"] == "x"
        assert fake.calls("sendMessage")[-1].chat_id == CHAT


def test_an_unknown_token_is_refused(fake: FakeBotApi) -> None:
    async def scenario() -> None:
        async with Bot("999:WRONG", base_url=fake.base_url) as bot:
            await bot.get_me()

    with pytest.raises(InvalidToken):
        run(scenario())
    assert fake.calls() == []


def test_wait_for_clear_and_latency() -> None:
    with FakeBotApi(latency=0.05) as fake:

        async def scenario() -> None:
            async with Bot(DEFAULT_TOKEN, base_url=fake.base_url) as bot:
                await asyncio.gather(*(bot.send_message(CHAT, f"m{i}") for i in range(5)))

        run(scenario())
        calls = fake.wait_for(lambda calls: len(calls) >= 6, timeout=60)  # getMe + 5
        assert sorted(fake.messages_for(CHAT)) == [f"m{i}" for i in range(5)]
        assert all(isinstance(call, ApiCall) for call in calls)
        fake.clear()
        assert fake.calls() == []
        with pytest.raises(TimeoutError):
            fake.wait_for(lambda calls: bool(calls), timeout=0.1)


def test_runs_standalone() -> None:
    with reserved_port() as port:  # kept for it: nobody else takes it meanwhile
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.fake_bot_api", "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert f"http://127.0.0.1:{port}/bot" in line
            url = f"http://127.0.0.1:{port}/bot{DEFAULT_TOKEN}/getMe"
            with urllib.request.urlopen(url, timeout=60) as response:
                assert json.loads(response.read())["result"]["is_bot"] is True
        finally:
            process.terminate()
            process.wait(timeout=60)
