"""The name on the DigComp PDF through the offline Telegram harness: the button sits under the
PDF document, asks once, and the PDF comes again with the name."""

from __future__ import annotations

from bot.dialogue.core import Dialogue
from tests.bot.fake_telegram import callback_update, message_update
from tests.bot.telegram.test_telegram import USER, Harness


def test_the_pdf_carries_the_name_button_and_comes_again_named(dialogue: Dialogue) -> None:
    harness = Harness(dialogue)
    harness.run(
        message_update(USER, "/start"),
        callback_update(USER, "lang:lv"),
        message_update(USER, "/digcomp quick"),
    )
    for _ in range(21):
        prompt = harness.request.sent("sendMessage", "editMessageText")[-1]
        harness.run(callback_update(USER, harness.markup_data(prompt)[2]))
    [document] = harness.request.sent("sendDocument")
    assert "Vai kopsavilkumā rakstīt Jūsu vārdu?" in document["caption"]
    assert harness.markup_data(document) == ["go:digcomp:name"]
    # The summary with its sections is still the last message, at the user's thumb.
    last = harness.request.calls[-1]
    assert last[0] == "sendMessage" and "Kopumā: 4. līmenis" in last[1]["text"]

    harness.run(callback_update(USER, "go:digcomp:name"))
    assert "Kādu vārdu" in harness.request.sent()[-1]["text"]
    harness.run(message_update(USER, "Anna Bērziņa"))
    named = harness.request.sent("sendDocument")
    assert len(named) == 2 and "Europass" in named[1]["caption"]
    assert "Vai kopsavilkumā" not in named[1]["caption"] and not harness.markup_data(named[1])
    assert any("Anna Bērziņa" in m["text"] for m in harness.request.sent())
