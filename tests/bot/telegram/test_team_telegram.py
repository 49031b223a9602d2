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


def _press_as(harness: Harness, user: int, ending: str) -> None:
    """Press the newest button in ``user``'s chat whose data ends with ``ending``."""
    sent: list[dict[str, Any]] = harness.request.sent("sendMessage", "editMessageText")
    for message in reversed(sent):
        if str(message.get("chat_id")) != str(user):
            continue
        for data in harness.markup_data(message):
            if data.endswith(ending):
                harness.run(callback_update(user, data))
                return
    raise AssertionError(f"no button ending {ending!r} for {user}")


def _texts_to(harness: Harness, user: int) -> list[str]:
    sent = harness.request.sent("sendMessage", "editMessageText")
    return [m["text"] for m in sent if str(m.get("chat_id")) == str(user)]


def test_two_answers_to_one_item_through_telegram(dialogue: Dialogue) -> None:
    """The coordinator and a partner change the same risk at once: the partner, finishing
    later, is told who changed it (the first name Telegram sent) and sees the team's answer;
    the partner could pick the coordinator as the risk's owner."""
    harness = Harness(dialogue)
    harness.run(
        message_update(COORDINATOR, "/start"),
        callback_update(COORDINATOR, "lang:lv"),
        message_update(COORDINATOR, "/risks"),
        message_update(COORDINATOR, "GreenVET"),
    )
    _press_as(harness, COORDINATOR, ":ka2")
    _press_as(harness, COORDINATOR, ":coordinator")
    harness.run(
        message_update(COORDINATOR, "01.09.2025"), message_update(COORDINATOR, "31.08.2027")
    )
    for _ in range(6):  # every group "the rest are in place"
        _press_as(harness, COORDINATOR, ":rest")
    harness.run(message_update(COORDINATOR, "/projects"))
    _press_as(harness, COORDINATOR, "proj:1")
    _press_as(harness, COORDINATOR, "tm:show:1")
    _press_as(harness, COORDINATOR, "tm:invm:1")
    _press_as(harness, COORDINATOR, "tm:newmnd14:1")  # no use limit, 14 days
    link = next(t for t in _texts_to(harness, COORDINATOR) if "?start=" in t)
    token = link.split("?start=")[1].split()[0]
    harness.run(message_update(PARTNER, f"/start {token}"))
    _press_as(harness, PARTNER, "tm:join:" + token)
    for person in (PARTNER, COORDINATOR):  # both open the same item
        harness.run(message_update(person, "/risks"))
        _press_as(harness, person, "go:risks:edit")
        _press_as(harness, person, ":prerequisites")
        _press_as(harness, person, ":pre-goals")
    for ending in (":no", ":44", ":ok"):
        _press_as(harness, COORDINATOR, ending)
    _press_as(harness, PARTNER, ":partly")
    _press_as(harness, PARTNER, ":22")
    plan = harness.request.sent("sendMessage", "editMessageText")[-1]
    assert f"u.{COORDINATOR}" in " ".join(harness.markup_data(plan))  # 👤 Ilze
    _press_as(harness, PARTNER, ":ok")
    told = next(t for t in _texts_to(harness, PARTNER) if "Kamēr Jūs atbildējāt" in t)
    assert "mainīja Ilze; tagad: ❌ Vēl nav · 4×4" in told
