"""Q&A in the dialogue: answers with source and buttons, feedback, the editors' review list."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.models import QuestionLog
from tests.bot.helpers import USER, buttons, press, send, text_of
from tests.conftest import build_test_dialogue


def test_answer_has_source_links_flowless_buttons_and_feedback(sqlite_url: str) -> None:
    dialogue = build_test_dialogue(sqlite_url, demo=False)
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    replies = send(dialogue, "text", "kur meklet partnerus")
    text = text_of(replies)
    assert "https://etwinning.lv/" in text and "https://epale.ec.europa.eu/lv" in text
    assert "Avots: e-materiāls" in text
    replies = press(dialogue, replies, "👎")
    assert replies[0].notice
    with dialogue.db.transaction() as session:
        row = session.scalars(select(QuestionLog)).one()
        assert (row.entry_id, row.feedback, row.user_id) == ("partner-search", -1, USER)
    dialogue.db.dispose()


def test_english_question_gets_english_answer_unless_language_fixed(sqlite_url: str) -> None:
    dialogue = build_test_dialogue(sqlite_url, demo=False)
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    assert "partner" in text_of(send(dialogue, "text", "How do I find partners?")).lower()
    press(dialogue, send(dialogue, "command", "/language"), "Vienmēr")
    assert "Avots" in text_of(send(dialogue, "text", "How do I find partners?"))
    dialogue.db.dispose()


def test_unknown_question_is_logged_for_admins_only(sqlite_url: str, tmp_path: Path) -> None:
    dialogue = build_test_dialogue(sqlite_url, demo=False, admin_ids=frozenset({USER}))
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    replies = send(dialogue, "text", "kāds laiks rīt?")
    assert "vēl nezinu" in text_of(replies) and buttons(replies)
    assert "kāds laiks rīt?" in text_of(send(dialogue, "command", "/unanswered"))
    other = send(dialogue, "command", "/unanswered", user=USER + 5)
    assert "administratoriem" in text_of(other) or "administrators" in text_of(other)
    dialogue.db.dispose()
