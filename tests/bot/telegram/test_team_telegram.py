"""A shared project through the offline Telegram harness: the coordinator's invite arrives as a
link and a QR photo, and a partner's deep link opens the join offer with the coordinator's first
name from Telegram."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue.core import Dialogue
from tests.bot.fake_telegram import callback_update, message_update
from tests.bot.telegram.test_telegram import Harness

COORDINATOR, PARTNER = 5551234, 5551300


def _press(harness: Harness, user: int, ending: str) -> None:
    """Press the newest button whose data ends with ``ending``."""
    sent: list[dict[str, Any]] = harness.request.sent("sendMessage", "editMessageText")
    for message in reversed(sent):
        for data in harness.markup_data(message):
            if data.endswith(ending):
                harness.run(callback_update(user, data))
                return
    raise AssertionError(f"no button ending {ending!r}")


def test_deep_link_joins_a_project_team(dialogue: Dialogue) -> None:
    harness = Harness(dialogue)
    harness.run(
        message_update(COORDINATOR, "/start"),
        callback_update(COORDINATOR, "lang:lv"),
        message_update(COORDINATOR, "/risks"),
        message_update(COORDINATOR, "GreenVET"),
    )
    _press(harness, COORDINATOR, ":ka2")
    _press(harness, COORDINATOR, ":coordinator")
    harness.run(
        message_update(COORDINATOR, "01.09.2025"),
        message_update(COORDINATOR, "31.08.2027"),
        message_update(COORDINATOR, "/projects"),
    )
    _press(harness, COORDINATOR, "proj:1")
    _press(harness, COORDINATOR, "tm:show:1")
    _press(harness, COORDINATOR, "tm:invm:1")  # how many may join, how long: the choices
    _press(harness, COORDINATOR, "tm:newmnd14:1")
    texts = [m["text"] for m in harness.request.sent("sendMessage")]
    link = next(t for t in texts if "t.me/" in t)
    match = re.search(r"https://t\.me/celvedis_bot\?start=([A-Za-z0-9_-]{32,64})", link)  # getMe
    assert match, link
    (qr,) = harness.request.sent("sendPhoto")
    assert "QR" in qr["caption"] and "GreenVET" in qr["caption"]

    harness.run(message_update(PARTNER, f"/start {match[1]}"))
    offer = harness.request.sent("sendMessage")[-1]
    assert "Projekts „GreenVET”, koordinators: Ilze" in offer["text"], offer["text"]
    join = next(d for d in harness.markup_data(offer) if d.startswith("tm:join:"))
    harness.run(callback_update(PARTNER, join))
    texts = [m["text"] for m in harness.request.sent("sendMessage", "editMessageText")]
    assert any("Jūs esat projekta „GreenVET” komandā" in t for t in texts)
