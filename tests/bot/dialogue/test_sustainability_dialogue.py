"""The sustainability plan through the dialogue core: a finished KA2 project, the plan with its
self-check and DOCX, reminders that survive a restart, and a progress review."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

from docx import Document

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Reply
from flows.dates import add_months, local_today, show_date
from tests.bot.helpers import buttons, send, tap, tap_option, text_of
from tests.conftest import build_test_dialogue


def plan(dialogue: Dialogue, replies: list[Reply]) -> list[Reply]:
    """Answer the plan: first suggestion, texts, +6 months, no measure, 'yes' everywhere."""
    while True:
        labels = [b.label for b in buttons(replies)]
        text = text_of(replies)
        if "Gatavs" in text or not labels:
            return replies
        if "Izvēlieties vai uzrakstiet savu variantu" in text:
            replies = send(dialogue, "button", buttons(replies)[0].data)
        elif "ko tieši darīsiet" in text:
            replies = send(dialogue, "text", "Publicēt e-kursu")
        elif "kas par to atbild" in text:
            replies = send(dialogue, "text", "Anna")
        elif "līdz kuram laikam" in text:
            replies = tap(dialogue, replies, "+6 mēneši")
        elif "kā novērtēsiet" in text:
            replies = tap(dialogue, replies, "⏭ Izlaist")
        elif "Pašpārbaude" in text:
            replies = tap(dialogue, replies, "✅ Jā")
        elif "atgādināt pārskatīt plānu" in text:
            return tap(dialogue, replies, "Pēc 3, 6 un 12 mēnešiem")
        else:
            raise AssertionError(text)


def test_a_plan_for_a_finished_ka2_project_with_reminders_after_a_restart(
    sqlite_url: str,
) -> None:
    end = local_today() - timedelta(days=10)  # the project has just ended
    first = build_test_dialogue(sqlite_url)
    tap(first, send(first, "command", "/start"), "Latviešu")
    replies = send(first, "command", "/sustainability")
    assert "strādā ar projektu" in text_of(replies)
    send(first, "text", "GreenVET")
    replies = send(first, "command", "/sustainability")  # resumes at the next question
    replies = tap(first, replies, "KA2 sadarbības partnerība")
    replies = tap(first, replies, "Koordinators")
    send(first, "text", "01.09.2024")
    replies = send(first, "text", show_date(end))
    assert "Ilgtspējas plāns · GreenVET · 1/10" in text_of(replies)
    replies = plan(first, replies)
    text = text_of(replies)
    assert "🌱 Ilgtspējas plāns — GreenVET" in text and "— līdz " in text
    assert max(len(r.text.splitlines()) for r in replies) <= 15  # fits a phone screen
    check = tap(first, replies, "🔎 Pašpārbaude")  # the details, in place
    assert check[0].edit and "🟢" in check[0].text
    assert "Visās pašpārbaudes atbildēs" in check[0].text
    musts = tap(first, check, "📌 Obligāti")
    assert "📌 Obligāti" in musts[0].text
    # The project has ended: the review dates count from today, and the plan says so.
    assert show_date(add_months(local_today(), 3)) in text
    assert f"termiņi skaitīti no {show_date(local_today())}" in text
    docx = next(f for r in replies for f in r.files if f.filename.endswith(".docx"))
    cells = [
        c.text for t in Document(io.BytesIO(docx.data)).tables for r in t.rows for c in r.cells
    ]
    assert cells.count("Publicēt e-kursu") == 5
    first.db.dispose()

    second = build_test_dialogue(sqlite_url)  # restarted; three months after the plan was made
    due_day = add_months(local_today(), 3)
    moment = datetime.combine(due_day, time(12, 0), tzinfo=UTC)
    due = second.reminders.claim_due(moment)
    assert len(due) == 1 and "GreenVET" in due[0].text and "3 mēneši" in due[0].text
    assert second.reminders.claim_due(moment) == []
    landing = send(second, "command", "/sustainability")
    replies = tap(second, landing, "🔁 Pārskatīt paveikto")
    assert "Pārskats" in text_of(replies) and "Publicēt e-kursu" in text_of(replies)
    for _ in range(5):
        replies = tap_option(second, replies, "progress")
    assert text_of(replies).count("\n🔄 ") == 5  # each action's status in the summary
    actions = tap(second, replies, "🗂 Darbības")
    assert actions[0].text.count("Statuss: 🔄 Notiek") == 5
    second.db.dispose()
