"""Q&A wired into the dialogue: a follow-up read with the last topic (kept in the user's
dialogue state, so across workers and restarts, for a few minutes), a question typed in the
middle of a tool, and "what were you looking for?" after a 👎."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.dialogue.core import Dialogue
from bot.dialogue.state import TOPIC_TTL
from storage.models import DialogueState as DialogueRow
from storage.models import QuestionLog
from tests.bot.helpers import USER, press, send, text_of
from tests.conftest import build_test_dialogue


def _entry_of_last_answer(dialogue: Dialogue) -> str | None:
    with dialogue.db.transaction() as session:
        row = session.scalars(select(QuestionLog).order_by(QuestionLog.id.desc())).first()
        return row.entry_id if row else None


def test_a_follow_up_is_read_with_the_last_topic_even_after_a_restart(sqlite_url: str) -> None:
    first = build_test_dialogue(sqlite_url)
    press(first, send(first, "command", "/start"), "Latviešu")
    send(first, "text", "kādi riski jāņem vērā projektā?")
    assert _entry_of_last_answer(first) == "risk-management"
    first.db.dispose()
    second = build_test_dialogue(sqlite_url)  # another worker, or after a restart
    send(second, "text", "un kā ar finansēm?")
    assert _entry_of_last_answer(second) == "risk-financial"
    second.db.dispose()


def test_an_old_topic_is_forgotten(sqlite_url: str) -> None:
    dialogue = build_test_dialogue(sqlite_url)
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    send(dialogue, "text", "kādi riski jāņem vērā projektā?")
    with dialogue.db.transaction() as session:
        row = session.get(DialogueRow, USER)
        assert row is not None and row.topic == "risk-management" and row.topic_at is not None
        row.topic_at = row.topic_at - TOPIC_TTL - timedelta(minutes=1)
    send(dialogue, "text", "un kā ar finansēm?")
    assert _entry_of_last_answer(dialogue) != "risk-financial"
    dialogue.db.dispose()


def test_a_question_typed_mid_tool_is_answered_and_the_step_shown_again(
    dialogue: Dialogue,
) -> None:
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    send(dialogue, "command", "/digcomp quick")
    send(dialogue, "button", "f:1:2")  # 1.1 answered: now at 2/21
    replies = send(dialogue, "text", "kas ir DigComp?")
    assert _entry_of_last_answer(dialogue) is not None
    assert len(replies) >= 2 and "2/21" in replies[-1].text  # the answer, then the step again
    # Text that is not a question still goes to the tool (here: "choose a button").
    replies = send(dialogue, "text", "labi")
    assert "2/21" in text_of(replies)


def test_after_a_thumbs_down_the_next_message_is_kept_for_editors(dialogue: Dialogue) -> None:
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    answer = send(dialogue, "text", "kur meklet partnerus")
    asked = press(dialogue, answer, "👎")
    assert "Ko Jūs meklējāt?" in text_of(asked)
    replies = send(dialogue, "text", "partnerus no Norvēģijas skolām")
    assert "Nodevu to satura veidotājiem" in text_of(replies)
    with dialogue.db.transaction() as session:
        outcomes = session.scalars(select(QuestionLog.outcome).order_by(QuestionLog.id)).all()
    assert "looking_for" in outcomes
    # Only the very next message: a later one is an ordinary question again.
    later = send(dialogue, "text", "kas ir CoVE?")
    assert "Nodevu to satura veidotājiem" not in text_of(later)
