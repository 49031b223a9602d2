"""The Telegram transport end to end through Application.process_update, with no network."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from telegram import Update

from bot.dialogue.core import Dialogue
from bot.settings import Settings
from bot.telegram.polling import build_application
from bot.telegram.send import split_text
from tests.bot.fake_telegram import RecordingRequest, callback_update, message_update

USER = 5551234
TOKEN = "123456:TEST-token-not-real"


class Harness:
    def __init__(self, dialogue: Dialogue) -> None:
        self.request = RecordingRequest()
        settings = Settings(database_url=dialogue.db.url, telegram_token=TOKEN)
        self.app = build_application(settings, request=self.request, dialogue=dialogue)

    def run(self, *payloads: dict[str, Any]) -> None:
        async def go() -> None:
            async with self.app:
                for payload in payloads:
                    await self.app.process_update(Update.de_json(payload, self.app.bot))

        asyncio.run(go())

    def markup_data(self, params: dict[str, Any]) -> list[str]:
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not markup:
            return []
        return [
            b["callback_data"]
            for row in markup["inline_keyboard"]
            for b in row
            if "callback_data" in b
        ]


@pytest.fixture
def harness(dialogue: Dialogue) -> Harness:
    return Harness(dialogue)


def test_start_sends_language_buttons(harness: Harness) -> None:
    harness.run(message_update(USER, "/start"))
    sent = harness.request.sent()
    assert "Choose your language" in sent[-1]["text"]
    assert harness.markup_data(sent[-1]) == ["lang:lv", "lang:en"]


def test_button_press_is_answered_and_edits_in_place(harness: Harness) -> None:
    harness.run(message_update(USER, "/start"), callback_update(USER, "lang:en"))
    assert harness.request.sent("answerCallbackQuery")
    edited = harness.request.sent("editMessageText")
    assert edited and "I am Ceļvedis" in edited[-1]["text"]
    assert "Main menu" in harness.request.sent()[-1]["text"]


def test_flow_buttons_and_free_text(harness: Harness) -> None:
    harness.run(
        message_update(USER, "/start"),
        callback_update(USER, "lang:lv"),
        message_update(USER, "/demo"),
    )
    prompt = harness.request.sent()[-1]
    choice = harness.markup_data(prompt)[0]
    harness.run(callback_update(USER, choice))
    assert "2/2" in harness.request.sent("editMessageText")[-1]["text"]
    harness.run(message_update(USER, "Atrast partnerus Somijā"))
    assert "Atrast partnerus Somijā" in harness.request.sent()[-2]["text"]


def test_forged_and_stale_callbacks_get_a_notice(harness: Harness) -> None:
    harness.run(
        message_update(USER, "/start"),
        callback_update(USER, "lang:lv"),
        message_update(USER, "/demo"),
    )
    choice = harness.markup_data(harness.request.sent()[-1])[0]
    before = len(harness.request.sent())
    harness.run(
        callback_update(USER, choice),
        callback_update(USER, choice),
        callback_update(USER, "f:1:<script>"),
        callback_update(USER, "🙂"),
    )
    answers = harness.request.sent("answerCallbackQuery")
    assert len(answers) >= 4
    assert all(a.get("text") for a in answers[-3:])  # stale, forged, forged: a short note each
    assert len(harness.request.sent()) == before  # no new messages for refused buttons


def test_free_text_question_gets_an_answer(harness: Harness) -> None:
    harness.run(
        message_update(USER, "/start"),
        callback_update(USER, "lang:lv"),
        message_update(USER, "kur meklēt partnerus projektam"),
    )
    assert "etwinning" in harness.request.sent()[-1]["text"].lower()


def test_photo_gets_friendly_reply(harness: Harness) -> None:
    photo = [{"file_id": "x", "file_unique_id": "x", "width": 10, "height": 10}]
    harness.run(
        message_update(USER, None, photo=photo),
        message_update(
            USER,
            None,
            sticker={
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
        ),
    )
    texts = [m["text"] for m in harness.request.sent()]
    assert len(texts) == 2 and all("tekstu un pogas" in t for t in texts)


def test_token_is_required() -> None:
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        build_application(Settings(telegram_token=None))


def test_long_text_is_split_within_limit() -> None:
    text = ("rindkopa " * 60 + "\n\n") * 20
    pieces = split_text(text)
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )


def test_digcomp_result_arrives_as_a_photo_and_a_pdf(harness: Harness) -> None:
    harness.run(
        message_update(USER, "/start"),
        callback_update(USER, "lang:lv"),
        message_update(USER, "/digcomp quick"),
    )
    for _ in range(21):
        prompt = harness.request.sent("sendMessage", "editMessageText")[-1]
        assert "DigComp pašnovērtējums" in prompt["text"]
        on_my_own = harness.markup_data(prompt)[2]
        harness.run(callback_update(USER, on_my_own))
    photos = harness.request.sent("sendPhoto")
    documents = harness.request.sent("sendDocument")
    assert len(photos) == 1 and "kopumā 4. līmenis" in photos[0]["caption"]
    assert len(documents) == 1 and "Europass" in documents[0]["caption"]
    texts = [m["text"] for m in harness.request.sent()]
    assert any("Kopumā: 4. līmenis" in t for t in texts)
    assert all(len(t) <= 4096 for t in texts)


def _tap(harness: Harness, label: str) -> None:
    """Press the button labelled ``label`` in the latest message that has buttons."""
    for params in reversed(harness.request.sent("sendMessage", "editMessageText")):
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("text") == label:
                    harness.run(callback_update(USER, button["callback_data"]))
                    return
        if markup:
            break
    raise AssertionError(f"no button {label!r}")


def test_risk_checklist_and_partner_call_through_telegram(harness: Harness) -> None:
    harness.run(
        message_update(USER, "/start"),
        callback_update(USER, "lang:en"),
        message_update(USER, "/risks"),
        message_update(USER, "GreenVET"),
    )
    _tap(harness, "KA2 cooperation partnership")
    _tap(harness, "Coordinator")
    harness.run(message_update(USER, "01.09.2025"), message_update(USER, "31.08.2027"))
    _tap(harness, "❌ Not yet")
    _tap(harness, "4·5")
    _tap(harness, "📅 Change the date")
    _tap(harness, "In a month")
    _tap(harness, "⏭ Skip")
    for _ in range(27):
        _tap(harness, "✅ In place")
    texts = [m["text"] for m in harness.request.sent()]
    assert any("🔴 20" in t for t in texts)
    assert len(harness.request.sent("sendPhoto")) == 1
    documents = harness.request.sent("sendDocument")
    assert len(documents) == 2  # XLSX and CSV

    harness.run(message_update(USER, "/partners"), message_update(USER, "catering"))
    _tap(harness, "Company")
    _tap(harness, "✔ That's all")
    harness.run(message_update(USER, "Finland"))
    _tap(harness, "🚀 Nearly ready to apply")
    for answer in ("Better placements", "Joint modules", "An e-course", "Host learners"):
        harness.run(message_update(USER, answer))
    for answer in ("Riga State Technical School", "Anna Berzina", "anna@rvt.lv", "Riga"):
        harness.run(message_update(USER, answer))
    _tap(harness, "🏷 No, mark them to translate")
    _tap(harness, "In a month")
    _tap(harness, "🇬🇧 Call in English")
    _tap(harness, "🇱🇻 Call in Latvian")
    texts = [m["text"] for m in harness.request.sent("sendMessage", "editMessageText")]
    assert any(
        "Partner search: GreenVET" in t and "We are looking for: company, Finland" in t
        for t in texts
    )
    assert any("Partneru meklēšana: GreenVET" in t for t in texts)
    assert harness.request.sent("sendDocument")[-1]["caption"].startswith("The partner-search call")


def _latest_buttons(harness: Harness) -> list[tuple[str, str]]:
    for params in reversed(harness.request.sent("sendMessage", "editMessageText")):
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if markup:
            rows = markup.get("inline_keyboard", [])
            return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]
    return []


def test_sustainability_plan_through_telegram(harness: Harness) -> None:
    harness.run(
        message_update(USER, "/start"),
        callback_update(USER, "lang:en"),
        message_update(USER, "/sustainability"),
        message_update(USER, "GreenVET"),
    )
    _tap(harness, "KA2 cooperation partnership")
    _tap(harness, "Coordinator")
    harness.run(message_update(USER, "01.09.2024"), message_update(USER, "31.08.2026"))
    for _ in range(60):
        prompt = harness.request.sent("sendMessage", "editMessageText")[-1]["text"]
        labels = [label for label, _ in _latest_buttons(harness)]
        if "Choose one or type your own" in prompt:
            harness.run(callback_update(USER, _latest_buttons(harness)[0][1]))
        elif "what exactly" in prompt:
            harness.run(message_update(USER, "Publish the e-course"))
        elif "who is responsible" in prompt:
            harness.run(message_update(USER, "Anna"))
        elif "by when" in prompt:
            _tap(harness, "+12 months")
        elif "how will you know" in prompt:
            _tap(harness, "⏭ Skip")
        elif "Self-check" in prompt:
            _tap(harness, "⚠️ Partly")
        elif "remind you to review" in prompt:
            _tap(harness, "After 6 and 12 months")
            break
        else:
            raise AssertionError((prompt, labels))
    _tap(harness, "🔎 Self-check")  # the summary's details, edited in place
    texts = [m["text"] for m in harness.request.sent("sendMessage", "editMessageText")]
    assert any("🌱 Sustainability plan — GreenVET" in t for t in texts)
    assert any("🟡" in t and "What to improve:" in t for t in texts)  # every answer "partly"
    document = harness.request.sent("sendDocument")[-1]
    assert document["caption"].startswith("The sustainability plan (DOCX)")


def test_answers_with_several_links_are_sent_without_a_link_preview(harness: Harness) -> None:
    harness.run(
        message_update(USER, "/start"),
        callback_update(USER, "lang:lv"),
        message_update(USER, "kur meklēt partnerus projektam"),
    )
    answer = harness.request.sent()[-1]
    assert answer["text"].count("https://") > 1
    options = answer.get("link_preview_options")
    options = json.loads(options) if isinstance(options, str) else options
    assert options and options.get("is_disabled") is True
    welcome = next(p for p in harness.request.sent() if "https://" not in p.get("text", "x"))
    assert not welcome.get("link_preview_options")  # one link or none: Telegram's default


def test_the_polling_bot_sends_a_days_reminders_with_their_review_button(
    dialogue: Dialogue,
) -> None:
    from datetime import UTC, datetime, timedelta

    from storage.repositories import ProjectRepository, ReminderRepository, UserRepository

    with dialogue.db.transaction() as session:
        UserRepository(session).touch(USER).language = "en"
        project = ProjectRepository(session).add(
            USER, name="GreenVET", action="ka2", role="coordinator"
        )
        due = datetime.now(UTC) - timedelta(minutes=1)
        text = {"lv": "pārskatiet risku", "en": "review the risk"}
        reminders = [(key, due, text) for key in ("a", "b")]
        ReminderRepository(session).replace(USER, "risks", project.id, reminders)
    harness = Harness(dialogue)

    async def go() -> None:
        async with harness.app:
            await harness.app.post_init(harness.app)  # type: ignore[misc]  # starts the loop
            deadline = asyncio.get_running_loop().time() + 60  # a loaded machine: later
            while not harness.request.sent("sendMessage"):
                if asyncio.get_running_loop().time() > deadline:
                    break
                await asyncio.sleep(0.02)
            await harness.app.post_shutdown(harness.app)  # type: ignore[misc]

    asyncio.run(go())
    [sent] = harness.request.sent("sendMessage")
    assert sent["chat_id"] == USER and sent["text"].startswith("⏰ Reminders for today (2):")
    assert harness.markup_data(sent) == [f"rv:risks:{project.id}"]
