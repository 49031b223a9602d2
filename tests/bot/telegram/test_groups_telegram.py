"""A teacher's group through the offline Telegram harness: the teacher's first name comes from
Telegram, the QR code arrives as a photo, and a learner's deep link opens the join offer."""

from __future__ import annotations

import re

from bot.dialogue.core import Dialogue
from tests.bot.fake_telegram import callback_update, message_update
from tests.bot.telegram.test_telegram import Harness

TEACHER, LEARNER = 5551234, 5551299


def test_deep_link_join_with_the_teachers_first_name(dialogue: Dialogue) -> None:
    harness = Harness(dialogue)
    harness.run(
        message_update(TEACHER, "/start"),
        callback_update(TEACHER, "lang:lv"),
        message_update(TEACHER, "/grupa jauna 3.B mehatroniķi"),
    )
    texts = [m["text"] for m in harness.request.sent("sendMessage")]
    link = next(t for t in texts if "t.me/" in t)
    # The link names the bot the teacher talks to (getMe), not the configured fallback.
    match = re.search(r"https://t\.me/celvedis_bot\?start=([A-Za-z0-9_-]{32,64})", link)
    assert match
    (qr,) = harness.request.sent("sendPhoto")
    assert "QR" in qr["caption"]
    harness.run(message_update(LEARNER, f"/start {match[1]}"))
    offer = harness.request.sent("sendMessage")[-1]
    assert "Grupa „3.B mehatroniķi” (skolotājs: Ilze)" in offer["text"]
    join = next(d for d in harness.markup_data(offer) if d.startswith("grp:join:"))
    harness.run(callback_update(LEARNER, join))
    texts = [m["text"] for m in harness.request.sent("sendMessage", "editMessageText")]
    assert any("Jūs pievienojāties grupai „3.B mehatroniķi”" in t for t in texts)
    assert any("Skolotājs vēl nav sācis kārtu" in t for t in texts)
