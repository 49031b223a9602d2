"""Coordinator tools through the dialogue core: a project, the risk checklist with a pause and a
restart, the register and its reminder, the partner-search call, and /projects."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from docx import Document

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Reply
from flows.dates import local_today, reminder_time, show_date
from storage.repositories import FlowResultRepository, ReminderRepository
from tests.bot.helpers import USER, buttons, send, tap, tap_option, text_of
from tests.conftest import build_test_dialogue

IN_PLACE, NOT_YET = "✅ Ir kārtībā", "❌ Vēl nav"


def create_project_via_risks(dialogue: Dialogue) -> list[Reply]:
    replies = send(dialogue, "command", "/start")
    tap(dialogue, replies, "Latviešu")
    replies = send(dialogue, "command", "/risks")
    assert "strādā ar projektu" in text_of(replies) and "Kā sauc projektu" in text_of(replies)
    replies = send(dialogue, "text", "GreenVET")
    replies = tap(dialogue, replies, "KA2 sadarbības partnerība")
    replies = tap(dialogue, replies, "Koordinators")
    send(dialogue, "text", "01.09.2025")
    replies = send(dialogue, "text", "31.08.2027")
    assert "Projekts „GreenVET” izveidots" in text_of(replies)
    assert "Projekta risku kontrolsaraksts · GreenVET · 1/28" in text_of(replies)
    return replies


def test_risk_checklist_paused_resumed_after_restart_with_register_and_reminder(
    sqlite_url: str,
) -> None:
    first = build_test_dialogue(sqlite_url)
    replies = create_project_via_risks(first)
    for _ in range(7):
        replies = tap(first, replies, IN_PLACE)
    replies = tap(first, replies, NOT_YET)
    replies = tap(first, replies, "5·4")  # likelihood 5, impact 4 in one tap
    assert "Rīcība: Mazināt" in text_of(replies)  # the suggested response
    replies = tap(first, replies, "📅 Mainīt datumu")
    replies = send(first, "text", "15.01.2027")
    replies = send(first, "text", "Anna")
    for _ in range(6):
        replies = tap(first, replies, IN_PLACE)
    assert "15/28" in text_of(replies)
    first.db.dispose()

    second = build_test_dialogue(sqlite_url)  # the next day, a new process
    replies = send(second, "command", "/risks")
    assert "Turpinām" in text_of(replies) and "15/28" in text_of(replies)
    for _ in range(14):
        replies = tap(second, replies, IN_PLACE)
    text = text_of(replies)
    assert "📋 Riska reģistrs — GreenVET" in text and "❌ 1" in text
    assert "1. 🔴 20 · Finanšu riski" in text
    assert max(len(r.text.splitlines()) for r in replies) <= 15  # fits a phone screen
    files = [f for r in replies for f in r.files]
    assert [f.filename.rsplit(".", 1)[1] for f in files] == ["png", "xlsx", "csv"]
    high = tap(second, replies, "🔴 Augstie riski (1)")  # the details, in place
    assert high[0].edit and "Atbildīgais: Anna · Pārskatīt: 15.01.2027" in high[0].text
    back = tap(second, high, "📋 Kopsavilkums")
    assert back[0].edit and back[0].text.startswith("📋 Riska reģistrs — GreenVET")
    second.db.dispose()

    third = build_test_dialogue(sqlite_url)  # restarted again before the review date
    assert third.reminders.claim_due(datetime(2027, 1, 14, 12, tzinfo=UTC)) == []
    due = third.reminders.claim_due(datetime(2027, 1, 15, 8, tzinfo=UTC))
    assert len(due) == 1 and due[0].user_id == USER
    assert due[0].text.startswith("⏰ Atgādinājums:") and "GreenVET" in due[0].text
    assert third.reminders.claim_due(datetime(2027, 2, 1, tzinfo=UTC)) == []  # sent once
    third.db.dispose()


def test_one_item_is_changed_later_from_the_last_register(dialogue: Dialogue) -> None:
    replies = create_project_via_risks(dialogue)
    for _ in range(28):
        replies = tap(dialogue, replies, IN_PLACE)
    assert "risku reģistrs ir tukšs" in text_of(replies)
    landing = send(dialogue, "command", "/risks")
    replies = tap(dialogue, landing, "✏️ Mainīt vienu punktu")
    replies = tap_option(dialogue, replies, "time")
    replies = tap(dialogue, replies, "1")
    replies = tap(dialogue, replies, NOT_YET)
    replies = tap(dialogue, tap(dialogue, replies, "3·3"), "✔ Der")
    assert "✏️ Mainīts projektā „GreenVET”" in text_of(replies)  # only what changed
    assert "❌ Vēl nav · 🟡 9" in text_of(replies)
    assert [f.filename.rsplit(".", 1)[1] for r in replies for f in r.files] == ["xlsx", "csv"]
    summary = tap(dialogue, replies, "📋 Kopsavilkums")
    assert "❌ 1" in summary[0].text


CONTACT = ("Rīgas Valsts tehnikums", "Anna Bērziņa", "anna@rvt.lv", "Rīga, Latvija")


def test_partner_search_call_in_both_languages_with_a_docx(dialogue: Dialogue) -> None:
    create_project_via_risks(dialogue)
    replies = send(dialogue, "command", "/partners")
    assert "Partneru meklēšanas ceļvedis · GreenVET · 1/11" in text_of(replies)
    send(dialogue, "text", "metālapstrāde")
    replies = send(dialogue, "command", "/partners")  # opening it again resumes
    replies = tap(dialogue, replies, "Uzņēmums")
    assert "Meklējat: uzņēmums. Vai der vēl" in text_of(replies)
    replies = tap(dialogue, replies, "Augstskola")
    replies = tap(dialogue, replies, "✔ Pietiek")
    send(dialogue, "text", "Somija")
    replies = send(dialogue, "command", "/partners")
    replies = tap(dialogue, replies, "📝 Ir melnraksts")
    for answer in ("Uzlabot praksi uzņēmumos", "Kopīgi moduļi", "E-kurss", "Prakses vietu tīkls"):
        replies = send(dialogue, "text", answer)
    for answer in CONTACT:
        replies = send(dialogue, "text", answer)
    replies = tap(dialogue, replies, "🏷 Nē, atzīmēt tulkošanai")
    replies = tap(dialogue, replies, "Pēc 2 nedēļām")
    reply_by = show_date(local_today() + timedelta(days=14))
    summary = text_of(replies)
    assert "Meklējam: uzņēmums vai augstskola, Somija" in summary
    assert f"Atbildes līdz: {reply_by}" in summary and "[to translate: …]" in summary
    assert max(len(r.text.splitlines()) for r in replies) <= 15
    lv_call = tap(dialogue, replies, "🇱🇻 Uzsaukums latviski")
    en_call = tap(dialogue, lv_call, "🇬🇧 Uzsaukums angliski")
    tips = tap(dialogue, en_call, "🧭 7 padomi")
    assert lv_call[0].edit and en_call[0].edit and tips[0].edit  # in place, one message
    text = text_of([*lv_call, *en_call, *tips])
    assert "1. Skaidri definējiet mērķus" in text  # a draft: goals first
    assert "Partneru meklēšana: GreenVET — KA2 sadarbības partnerība" in text
    assert "Partner search: GreenVET — KA2 cooperation partnership" in text
    assert "Projekta laiks: 01.09.2025–31.08.2027" in text
    assert "Meklējam: uzņēmums vai augstskola, Somija." in text
    assert "Kontaktpersona: Anna Bērziņa, anna@rvt.lv" in text
    assert f"atbildiet līdz {reply_by}" in text and f"reply by {reply_by}" in text
    assert "Goals: [to translate: Uzlabot praksi uzņēmumos]" in text
    docx = next(f for r in replies for f in r.files if f.filename.endswith(".docx"))
    paragraphs = [p.text for p in Document(io.BytesIO(docx.data)).paragraphs]
    assert any("Mērķi: Uzlabot praksi uzņēmumos" in p for p in paragraphs)
    assert any("Goals: [to translate: Uzlabot praksi uzņēmumos]" in p for p in paragraphs)
    landing = send(dialogue, "command", "/partners")
    replies = tap(dialogue, tap(dialogue, landing, "✏️ Labot vienu atbildi"), "Valsts")
    assert "✔ Atstāt: Somija" in [b.label for b in buttons(replies)]
    replies = send(dialogue, "text", "Igaunija")
    assert "✏️ Uzsaukumā mainīts:\n• Valsts: Igaunija" in text_of(replies)  # only the change
    assert [f.filename.rsplit(".", 1)[1] for r in replies for f in r.files] == ["docx"]
    lv_call = tap(dialogue, replies, "🇱🇻 Uzsaukums latviski")
    assert "Meklējam: uzņēmums vai augstskola, Igaunija." in lv_call[0].text


def test_the_next_call_offers_the_contact_details_kept(dialogue: Dialogue) -> None:
    create_project_via_risks(dialogue)
    replies = send(dialogue, "command", "/partners")
    replies = send(dialogue, "text", "ēdināšana")
    replies = tap(dialogue, tap(dialogue, replies, "Uzņēmums"), "✔ Pietiek")
    replies = tap(dialogue, tap(dialogue, replies, "⏭ Izlaist"), "💡 Tikai ideja")
    for answer in ("Mērķi", "Aktivitātes", "Rezultāti", "Loma", *CONTACT):
        replies = send(dialogue, "text", answer)
    replies = tap(dialogue, tap(dialogue, replies, "🏷 Nē, atzīmēt tulkošanai"), "Pēc mēneša")
    assert "Kontakts: Anna Bērziņa, anna@rvt.lv" in text_of(replies)
    landing = send(dialogue, "command", "/partners")
    replies = tap(dialogue, landing, "🔄 Sākt no jauna")
    replies = send(dialogue, "text", "viesmīlība")
    replies = tap(dialogue, tap(dialogue, replies, "Kamera vai nozares asociācija"), "✔ Pietiek")
    replies = tap(dialogue, tap(dialogue, replies, "⏭ Izlaist"), "💡 Tikai ideja")
    for answer in ("Mērķi", "Aktivitātes", "Rezultāti", "Loma"):
        replies = send(dialogue, "text", answer)
    for kept in CONTACT:
        replies = tap(dialogue, replies, f"✔ Atstāt: {kept}")
    replies = tap(dialogue, tap(dialogue, replies, "🏷 Nē, atzīmēt tulkošanai"), "Pēc mēneša")
    lv_call = tap(dialogue, replies, "🇱🇻 Uzsaukums latviski")
    assert "Rīgas Valsts tehnikums, Rīga, Latvija" in lv_call[0].text


def test_projects_list_switch_and_a_forged_project_id(dialogue: Dialogue) -> None:
    create_project_via_risks(dialogue)
    listing = send(dialogue, "command", "/projects")
    assert any(b.label.startswith("✅ GreenVET") for b in buttons(listing))
    tap(dialogue, listing, "➕ Jauns projekts")
    replies = send(dialogue, "text", "DigiCraft")
    replies = tap(dialogue, tap(dialogue, replies, "Maza mēroga partnerība"), "Partneris")
    replies = tap(dialogue, tap(dialogue, replies, "⏭ Izlaist"), "⏭ Izlaist")
    assert "Projekts „DigiCraft” izveidots" in text_of(replies)
    listing = send(dialogue, "command", "/projects")
    labels = [b.label for b in buttons(listing)]
    assert labels[0].startswith("GreenVET") and labels[1].startswith("✅ DigiCraft")
    switched = send(dialogue, "button", buttons(listing)[0].data)
    assert "Aktīvais projekts: „GreenVET”" in switched[0].text
    assert "GreenVET · 1/28" in text_of(send(dialogue, "command", "/risks"))
    assert send(dialogue, "button", "proj:99999")[0].notice
    other = send(dialogue, "command", "/projects", user=USER + 1)
    assert "nav neviena projekta" in text_of(other)


def test_the_main_menu_leads_to_my_projects(dialogue: Dialogue) -> None:
    menu = tap(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    listing = tap(dialogue, menu, "📁 Mani projekti")
    assert "nav neviena projekta" in text_of(listing)
    replies = tap(dialogue, listing, "➕ Jauns projekts")
    assert "Kā sauc projektu" in text_of(replies)


def test_updating_one_risk_on_review_day_does_not_resend_another_delivered_reminder(
    dialogue: Dialogue,
) -> None:
    """Defect: saving the register again re-inserted the reminders already delivered today."""
    today = local_today()
    due_moment = reminder_time(today)
    replies = create_project_via_risks(dialogue)
    for _ in range(2):  # two risks, both to be reviewed today
        replies = tap(dialogue, replies, NOT_YET)
        replies = tap(dialogue, tap(dialogue, replies, "3·3"), "📅 Mainīt datumu")
        replies = tap(dialogue, send(dialogue, "text", show_date(today)), "⏭ Izlaist")
    for _ in range(26):
        replies = tap(dialogue, replies, IN_PLACE)
    assert "📋 Riska reģistrs" in text_of(replies)
    [due] = dialogue.reminders.claim_due(due_moment)  # the review day has come: one message
    assert due.text.startswith("⏰ Atgādinājumi šai dienai (2):")
    landing = send(dialogue, "command", "/risks")  # the coordinator updates the first risk
    replies = tap(dialogue, landing, "✏️ Mainīt vienu punktu")
    replies = tap(dialogue, tap_option(dialogue, replies, "prerequisites"), "1")
    replies = tap(dialogue, replies, NOT_YET)
    replies = tap(dialogue, replies, "4·4")
    assert f"Pārskatīt: {show_date(today)}" in text_of(replies)
    replies = tap(dialogue, replies, "✔ Der")  # the review date stays today
    assert "✏️ Mainīts projektā" in text_of(replies)
    assert dialogue.reminders.claim_due(due_moment + timedelta(hours=1)) == []


def test_start_over_asks_first_and_offers_the_earlier_answers(dialogue: Dialogue) -> None:
    """Defect: "Sākt no jauna" under a resumed step wiped the run in one tap."""
    replies = create_project_via_risks(dialogue)
    replies = tap(dialogue, replies, NOT_YET)
    replies = tap(dialogue, tap(dialogue, replies, "4·2"), "✔ Der")
    replies = tap(dialogue, replies, IN_PLACE)
    assert "3/28" in text_of(replies)
    resumed = send(dialogue, "command", "/risks")
    asked = tap(dialogue, resumed, "🔄 Sākt no jauna")
    assert "Sākt „Projekta risku kontrolsaraksts” no jauna?" in text_of(asked)
    assert "3/28" in text_of(send(dialogue, "command", "/risks"))  # nothing lost by asking
    carried_on = tap(dialogue, asked, "▶️ Nē, turpināt")
    assert "Turpinām" in text_of(carried_on) and "3/28" in text_of(carried_on)
    asked = tap(dialogue, carried_on, "🔄 Sākt no jauna")
    fresh = tap(dialogue, asked, "🔄 Jā, sākt no jauna")
    assert "1/28" in text_of(fresh)
    replies = tap(dialogue, fresh, "✔ Atstāt: ❌ Vēl nav")
    assert "✔ Atstāt: 4·2" in [b.label for b in buttons(replies)]
    replies = tap(dialogue, replies, "✔ Atstāt: 4·2")
    assert "Rīcība: Mazināt" in text_of(replies)
    assert send(dialogue, "button", buttons(asked)[0].data)[0].text.startswith("Šo darbu vairs")


def test_a_restart_confirmation_does_not_apply_to_another_run(dialogue: Dialogue) -> None:
    replies = create_project_via_risks(dialogue)
    tap(dialogue, replies, IN_PLACE)
    asked = tap(dialogue, send(dialogue, "command", "/risks"), "🔄 Sākt no jauna")
    send(dialogue, "command", "/partners")  # the risk run is paused meanwhile
    refused = tap(dialogue, asked, "🔄 Jā, sākt no jauna")
    assert "vairs nevar sākt no jauna" in text_of(refused)
    assert "2/28" in text_of(send(dialogue, "command", "/risks"))


def test_long_button_labels_get_a_row_of_their_own(dialogue: Dialogue) -> None:
    """Item 11: labels over ~24 characters do not share a row on a small phone."""
    replies = create_project_via_risks(dialogue)
    rows = [row for r in replies for row in r.buttons]
    assert (tuple(b.label for b in rows[0])) == ("✅ Ir kārtībā", "⚠️ Daļēji")
    assert [b.label for b in rows[2]] == ["✅ Arī pārējie grupā ir kārtībā"]
    replies = send(dialogue, "command", "/partners")
    replies = tap(dialogue, send(dialogue, "text", "ēdināšana"), "Uzņēmums")
    rows = [row for r in replies for row in r.buttons]
    assert all(len(row) == 1 for row in rows[:-1] if any(len(b.label) > 24 for b in row))


def test_a_project_is_renamed_redated_archived_and_deleted_with_confirmation(
    dialogue: Dialogue,
) -> None:
    """Item 9: the project card; deleting asks first and removes the project's results."""
    replies = create_project_via_risks(dialogue)
    replies = tap(dialogue, replies, NOT_YET)
    replies = tap(dialogue, tap(dialogue, replies, "3·3"), "✔ Der")
    for _ in range(5):
        replies = tap(dialogue, replies, IN_PLACE)
    for _ in range(5):
        replies = tap(dialogue, replies, "✅ Arī pārējie grupā ir kārtībā")
    assert "📋 Riska reģistrs" in text_of(replies)
    listing = send(dialogue, "command", "/projects")
    card = send(dialogue, "button", buttons(listing)[0].data)
    assert "📁 GreenVET" in text_of(card)
    replies = tap(dialogue, card, "✏️ Pārdēvēt")
    assert "✔ Atstāt: GreenVET" in [b.label for b in buttons(replies)]
    replies = send(dialogue, "text", "GreenVET 2")
    assert "Projekts mainīts: GreenVET 2" in text_of(replies)
    card = send(dialogue, "button", buttons(send(dialogue, "command", "/projects"))[0].data)
    replies = tap(dialogue, card, "📅 Mainīt datumus")
    replies = tap(dialogue, replies, "✔ Atstāt: 01.09.2025")
    replies = send(dialogue, "text", "31.12.2027")
    assert "01.09.2025–31.12.2027" in text_of(replies)
    card = send(dialogue, "button", buttons(send(dialogue, "command", "/projects"))[0].data)
    archived = tap(dialogue, card, "🗄 Arhivēt")
    assert any(b.label.startswith("🗄 GreenVET 2") for b in buttons(archived))
    assert "strādā ar projektu" in text_of(send(dialogue, "command", "/risks"))  # none active
    send(dialogue, "command", "/cancel")
    card = send(dialogue, "button", buttons(send(dialogue, "command", "/projects"))[0].data)
    asked = tap(dialogue, card, "🗑 Dzēst")
    assert "riska reģistri" in text_of(asked)
    kept = tap(dialogue, asked, "⬅️ Nē, paturēt")
    assert "🗄 Arhīvā: GreenVET 2" in text_of(kept)
    asked = tap(dialogue, kept, "🗑 Dzēst")
    gone = tap(dialogue, asked, "🗑 Jā, dzēst")
    assert "Projekts „GreenVET 2” dzēsts." in text_of(gone)
    assert not any("GreenVET" in b.label for b in buttons(gone))
    with dialogue.db.transaction() as session:
        assert FlowResultRepository(session).latest(USER, "risks") == []
        assert ReminderRepository(session).pending(USER) == []
    assert send(dialogue, "button", buttons(asked)[0].data)[0].notice  # gone: refused


def test_the_main_menu_names_the_tools_commands_in_both_languages(dialogue: Dialogue) -> None:
    """Item 11: the / commands of the tools are in the main menu, Latvian and English."""
    menu = tap(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    assert "Komandas: /digcomp · /risks · /partners · /sustainability" in text_of(menu)
    tap(dialogue, send(dialogue, "command", "/language"), "English")
    menu = send(dialogue, "command", "/menu")
    assert "Commands: /digcomp · /risks · /partners · /sustainability" in text_of(menu)
    assert "/projects" in text_of(menu)
