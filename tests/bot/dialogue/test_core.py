"""The dialogue core end to end on a real SQLite database, without a transport."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from bot.dialogue import callbacks
from bot.dialogue.core import MAX_TEXT, Dialogue
from storage.models import FlowResult
from tests.bot.helpers import USER, buttons, press, send, text_of
from tests.conftest import build_test_dialogue


def start_in_latvian(dialogue: Dialogue) -> list:
    replies = send(dialogue, "command", "/start")
    assert "Izvēlieties valodu / Choose your language" in text_of(replies)
    return press(dialogue, replies, "Latviešu")


def test_start_asks_language_then_shows_menu(dialogue: Dialogue) -> None:
    replies = start_in_latvian(dialogue)
    assert "Esmu Ceļvedis" in text_of(replies)
    assert any("Izmēģinājuma saruna" in b.label for b in buttons(replies))
    again = send(dialogue, "command", "/start")
    assert "Izvēlieties valodu" not in text_of(again)  # the language is remembered


def test_language_switch_to_english(dialogue: Dialogue) -> None:
    start_in_latvian(dialogue)
    replies = press(dialogue, send(dialogue, "command", "/language"), "English")
    assert "English" in text_of(replies)
    assert "Main menu" in text_of(send(dialogue, "command", "/menu"))


def test_help_and_unknown_command(dialogue: Dialogue) -> None:
    start_in_latvian(dialogue)
    assert "/cancel" in text_of(send(dialogue, "command", "/help"))
    assert "/help" in text_of(send(dialogue, "command", "/nonsense"))


def test_demo_flow_with_buttons_back_and_summary(dialogue: Dialogue) -> None:
    start_in_latvian(dialogue)
    replies = send(dialogue, "command", "/demo")
    assert "1/2" in text_of(replies)
    replies = press(dialogue, replies, "KA2")
    assert "2/2" in text_of(replies) and replies[-1].edit
    replies = press(dialogue, replies, "Atpakaļ")
    assert "1/2" in text_of(replies)
    replies = press(dialogue, replies, "izcilības")
    replies = send(dialogue, "text", "Sadarboties ar uzņēmumiem")
    assert "Profesionālās izcilības centri" in text_of(replies)
    assert "Sadarboties ar uzņēmumiem" in text_of(replies)
    with dialogue.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(FlowResult)) == 1


def test_cancel_keeps_answers_and_resume_continues(dialogue: Dialogue) -> None:
    start_in_latvian(dialogue)
    press(dialogue, send(dialogue, "command", "/demo"), "KA2")
    replies = send(dialogue, "command", "/cancel")
    assert "saglabātas" in text_of(replies)
    # Free text now goes to Q&A, not to the paused flow.
    send(dialogue, "text", "kur meklēt partnerus")
    replies = press(dialogue, send(dialogue, "command", "/menu"), "Turpināt")
    assert "2/2" in text_of(replies)
    replies = send(dialogue, "text", "Mans mērķis")
    assert "KA2 partnerības" in text_of(replies)


def test_stale_and_forged_buttons_are_refused_without_changing_state(dialogue: Dialogue) -> None:
    start_in_latvian(dialogue)
    first = send(dialogue, "command", "/demo")
    press(dialogue, first, "KA2")
    stale = press(dialogue, first, "izcilības")  # an older message's button
    assert stale[0].notice and "vecākas" in stale[0].text
    for forged in ("f:999:ka2", "f:abc", "menu:../../etc", "x" * 80, "kb:no-such-entry", ""):
        replies = send(dialogue, "button", forged)
        assert replies and replies[0].notice, forged
    replies = send(dialogue, "text", "Mērķis pēc viltojumiem")
    assert "KA2 partnerības" in text_of(replies)


def test_other_users_buttons_do_not_touch_my_flow(dialogue: Dialogue) -> None:
    start_in_latvian(dialogue)
    mine = send(dialogue, "command", "/demo")
    intruder = 777
    send(dialogue, "command", "/start", user=intruder)
    for button in buttons(mine):
        assert button.data
        replies = send(dialogue, "button", button.data, user=intruder)
        assert replies[0].notice  # the intruder has no active flow: stale
    assert "1/2" in text_of(send(dialogue, "command", "/demo"))


def test_photo_and_too_long_text_get_friendly_notes(dialogue: Dialogue) -> None:
    start_in_latvian(dialogue)
    assert "tekstu un pogas" in text_of(send(dialogue, "other", "photo"))
    assert str(MAX_TEXT) in text_of(send(dialogue, "text", "a" * (MAX_TEXT + 1)))
    assert "tukša" in text_of(send(dialogue, "text", "   "))
    send(dialogue, "command", "/demo")
    replies = send(dialogue, "other", "sticker")
    assert "tekstu un pogas" in text_of(replies) and "1/2" in text_of(replies)


def test_restart_mid_flow_resumes_at_same_step(sqlite_url: str) -> None:
    first = build_test_dialogue(sqlite_url)
    start_in_latvian(first)
    press(first, send(first, "command", "/demo"), "KA2")
    first.db.dispose()
    second = build_test_dialogue(sqlite_url)  # a new process on the same database
    replies = send(second, "command", "/demo")
    assert "2/2" in text_of(replies)
    assert "KA2 partnerības" in text_of(send(second, "text", "Pēc restarta"))
    second.db.dispose()


def test_two_devices_answering_at_once_count_once(dialogue: Dialogue) -> None:
    start_in_latvian(dialogue)
    replies = press(dialogue, send(dialogue, "command", "/demo"), "KA2")
    skip = next(b.data for b in buttons(replies) if "Izlaist" in b.label)
    results: list[list] = []
    threads = [
        threading.Thread(target=lambda: results.append(send(dialogue, "button", skip)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    with dialogue.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(FlowResult)) == 1
    assert sum(1 for r in results if r[0].notice) == 3


def test_callback_data_fits_telegram_limit(dialogue: Dialogue) -> None:
    start_in_latvian(dialogue)
    for replies in (send(dialogue, "command", "/menu"), send(dialogue, "command", "/demo")):
        for button in buttons(replies):
            assert button.data and len(button.data.encode()) <= callbacks.MAX_BYTES
            assert callbacks.decode(button.data) is not None


def test_every_user_id_gets_its_own_state(dialogue: Dialogue) -> None:
    start_in_latvian(dialogue)
    press(dialogue, send(dialogue, "command", "/demo"), "KA2")
    other = send(dialogue, "command", "/demo", user=USER + 1)
    assert "1/2" in text_of(other)
