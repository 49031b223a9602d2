"""Issue 13, checked as a user would meet it: the gaps an audit found in the tests of items 4 and
9 (each test fails when its fix is taken out)."""

from __future__ import annotations

from pathlib import Path

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Reply
from tests.bot.dialogue.test_coordinator_dialogue import (
    CONTACT,
    IN_PLACE,
    create_project_via_risks,
)
from tests.bot.helpers import buttons, send, tap, text_of
from tests.bot.test_terminal import run_chat


def new_project(dialogue: Dialogue, name: str) -> list[Reply]:
    """A second project, made from /projects (it becomes the active one)."""
    replies = tap(dialogue, send(dialogue, "command", "/projects"), "➕ Jauns projekts")
    replies = send(dialogue, "text", name)
    replies = tap(dialogue, replies, "KA2 sadarbības partnerība")
    replies = tap(dialogue, replies, "Koordinators")
    send(dialogue, "text", "01.09.2026")
    replies = send(dialogue, "text", "31.08.2028")
    assert f"Projekts „{name}” izveidots" in text_of(replies)
    return replies


def partner_call_until_contact(dialogue: Dialogue, sector: str) -> list[Reply]:
    replies = send(dialogue, "command", "/partners")
    replies = send(dialogue, "text", sector)
    replies = tap(dialogue, tap(dialogue, replies, "Uzņēmums"), "✔ Pietiek")
    replies = tap(dialogue, tap(dialogue, replies, "⏭ Izlaist"), "💡 Tikai ideja")
    for answer in ("Mērķi", "Aktivitātes", "Rezultāti", "Loma"):
        replies = send(dialogue, "text", answer)
    return replies


def test_the_contact_of_a_call_is_offered_on_another_project(dialogue: Dialogue) -> None:
    """Item 4: the institution and contact are kept per user, not only with one project's call:
    a call for a new project (no earlier call to copy) offers them with one tap each."""
    create_project_via_risks(dialogue)
    send(dialogue, "command", "/cancel")
    replies = partner_call_until_contact(dialogue, "ēdināšana")
    for answer in CONTACT:
        replies = send(dialogue, "text", answer)
    replies = tap(dialogue, tap(dialogue, replies, "🏷 Nē, atzīmēt tulkošanai"), "Pēc mēneša")
    assert "Kontakts: Anna Bērziņa, anna@rvt.lv" in text_of(replies)

    new_project(dialogue, "BlueVET")
    replies = partner_call_until_contact(dialogue, "tūrisms")
    assert "BlueVET" in text_of(replies)
    for kept in CONTACT:
        replies = tap(dialogue, replies, f"✔ Atstāt: {kept}")
    replies = tap(dialogue, tap(dialogue, replies, "🏷 Nē, atzīmēt tulkošanai"), "Pēc mēneša")
    assert "Kontakts: Anna Bērziņa, anna@rvt.lv" in text_of(replies)


def test_deleting_a_project_drops_an_unfinished_run_on_it(dialogue: Dialogue) -> None:
    """Item 9: a run paused on a project being deleted goes with it (no "continue" in the menu,
    no step of a project that is gone)."""
    replies = create_project_via_risks(dialogue)
    tap(dialogue, replies, IN_PLACE)  # the checklist half-way, then paused
    menu = send(dialogue, "command", "/cancel")
    assert any("Turpināt" in b.label for b in buttons(menu))
    card = send(dialogue, "button", buttons(send(dialogue, "command", "/projects"))[0].data)
    gone = tap(dialogue, tap(dialogue, card, "🗑 Dzēst"), "🗑 Jā, dzēst")
    assert "dzēsts" in text_of(gone)
    menu = send(dialogue, "command", "/menu")
    assert not any("Turpināt" in b.label for b in buttons(menu)), buttons(menu)
    again = send(dialogue, "command", "/risks")
    assert "Turpinām" not in text_of(again) and "Kā sauc projektu" in text_of(again)


def test_a_pdf_made_in_the_terminal_chat_logs_nothing_at_info(tmp_path: Path) -> None:
    """Found trying the tools in the terminal: each DigComp PDF printed ~25 INFO lines of font
    subsetting (fontTools, through fpdf2) between the chat's messages."""
    script = "/start\n2\n/digcomp quick\n" + "3\n" * 21
    result = run_chat(tmp_path, script)
    assert "DigComp profile: overall level 4" in result.stdout
    assert "fontTools" not in result.stdout + result.stderr
