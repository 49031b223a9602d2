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
    assert "Ko Jūs meklējāt?" in text_of(replies)  # one optional follow-up for the editors
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
    assert "informācijas nav" in text_of(replies) and buttons(replies)
    assert "kāds laiks rīt?" in text_of(send(dialogue, "command", "/unanswered"))
    other = send(dialogue, "command", "/unanswered", user=USER + 5)
    assert "administratoriem" in text_of(other) or "administrators" in text_of(other)
    dialogue.db.dispose()


def test_small_talk_gets_its_own_short_answer_and_is_not_logged(sqlite_url: str) -> None:
    dialogue = build_test_dialogue(sqlite_url, demo=False)
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    assert text_of(send(dialogue, "text", "paldies!!")).startswith("Lūdzu")
    assert buttons(send(dialogue, "text", "labdien"))  # the tools follow a greeting
    # "thanks" or "ok" say little about a language: the user's own is kept
    assert text_of(send(dialogue, "text", "thanks")).startswith("Lūdzu")
    with dialogue.db.transaction() as session:
        assert session.scalars(select(QuestionLog)).all() == []
    dialogue.db.dispose()


def test_not_covered_is_honest_and_logged_as_not_covered(sqlite_url: str) -> None:
    dialogue = build_test_dialogue(sqlite_url, demo=False)
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    replies = send(dialogue, "text", "kad ir pieteikumu termiņš")
    assert "e-materiālā nav" in text_of(replies)
    assert "https://erasmus-plus.ec.europa.eu/erasmus-programme-guide" in text_of(replies)
    assert buttons(replies)  # the closest topics
    with dialogue.db.transaction() as session:
        row = session.scalars(select(QuestionLog)).one()
        assert (row.outcome, row.entry_id) == ("not_covered", None)
    dialogue.db.dispose()


def test_answer_returns_the_entry_and_reads_a_follow_up_in_context(sqlite_url: str) -> None:
    dialogue = build_test_dialogue(sqlite_url, demo=False)
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    qa = dialogue.qa
    with dialogue.db.transaction() as session:
        turn = _turn(dialogue, session)
        assert qa.answer(turn, "kādi riski jāņem vērā projektā?") == "risk-management"
        assert qa.answer(turn, "un kā ar finansēm?", "risk-management") == "risk-financial"
        assert qa.try_answer(turn, "kas ir scenāriju analīze?") is True
        assert qa.try_answer(turn, "mūsu mērķis ir uzlabot prasmes") is False
    dialogue.db.dispose()


def _turn(dialogue: object, session: object) -> object:  # a minimal Turn for calling Q&A
    from types import SimpleNamespace

    from storage.models import User

    replies: list = []
    return SimpleNamespace(
        session=session, user=session.get(User, USER), lang="lv", say=replies.append
    )


def test_what_the_user_was_looking_for_is_kept_for_editors(sqlite_url: str) -> None:
    dialogue = build_test_dialogue(sqlite_url, demo=False, admin_ids=frozenset({USER}))
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    replies = send(dialogue, "text", "kur meklet partnerus")
    with dialogue.db.transaction() as session:
        turn = _turn(dialogue, session)
        log_id = dialogue.qa.button(turn, _callback(buttons(replies), "👎"))
        assert log_id is not None
        dialogue.qa.feedback_note(turn, log_id, "partnerus no Norvēģijas")
        rows = session.scalars(select(QuestionLog).order_by(QuestionLog.id)).all()
        assert (rows[-1].outcome, rows[-1].entry_id) == ("looking_for", "partner-search")
    assert "partnerus no Norvēģijas" in text_of(send(dialogue, "command", "/unanswered"))
    dialogue.db.dispose()


def _callback(all_buttons: list, label: str):
    from bot.dialogue import callbacks

    data = next(b.data for b in all_buttons if b.label == label)
    return callbacks.decode(data)


def test_the_source_line_says_what_is_not_from_the_e_material(sqlite_url: str) -> None:
    """Issue 12 item 8: own advice and outside facts name their real source, in the reader's
    language, instead of only "Avots: e-materiāls"."""
    dialogue = build_test_dialogue(sqlite_url, demo=False)
    press(dialogue, send(dialogue, "command", "/start"), "Latviešu")
    own = text_of(send(dialogue, "text", "kā mazināt finanšu riskus projektā"))
    assert "Avots: e-materiāls, sadaļa „1.2”" in own
    assert "Nav no e-materiāla:" in own and "Ceļveža padoms" in own
    external = text_of(send(dialogue, "text", "kas ir tīkla etiķete DigComp"))
    assert "Avots: Kompetences apraksts — DigComp 2.2" in external
    assert "nav no e-materiāla" in external and "Avots: e-materiāls" not in external
    assert "JRC128415" in external
    seed = text_of(send(dialogue, "text", "kur meklet partnerus"))
    assert "Avots: e-materiāls" in seed and "Nav no e-materiāla" not in seed
    press(dialogue, send(dialogue, "command", "/language"), "English")
    english = text_of(send(dialogue, "text", "how to reduce financial risks in a project"))
    assert "Not from the e-material:" in english and "Ceļvedis's own" in english
    assert "Nav no" not in english
    # link names in the reader's language (they were Latvian in English answers)
    partners = text_of(send(dialogue, "text", "where can I find partners?"))
    assert "• Erasmus+ Project Results Platform: https://erasmus-plus.ec.europa.eu" in partners
    assert "rezultātu platforma" not in partners and "Latvijā" not in partners
    dialogue.db.dispose()


def test_the_language_is_detected_once_per_answer(sqlite_url: str, monkeypatch) -> None:
    """Issue 12: the reply's language and the matcher's came from two detections (with
    different defaults); now one detection is passed through, and a question that names no
    language ("DigComp 2.2") is read in the user's."""
    from knowledge.language import LanguageDetector

    dialogue = build_test_dialogue(sqlite_url, demo=False)
    press(dialogue, send(dialogue, "command", "/start"), "English")
    calls: list[str] = []
    original = LanguageDetector.detect

    def counting(self: LanguageDetector, text: str, default: str = "lv") -> str:
        calls.append(text)
        return original(self, text, default)

    monkeypatch.setattr(LanguageDetector, "detect", counting)
    for question in ("kur meklēt partnerus?", "what is digcomp", "un kā ar finansēm?"):
        calls.clear()
        send(dialogue, "text", question)
        assert len(calls) == 1, calls
    text = text_of(send(dialogue, "text", "DigComp 2.2"))
    assert "Source" in text and "Avots" not in text
    with dialogue.db.transaction() as session:
        rows = session.scalars(select(QuestionLog).order_by(QuestionLog.id)).all()
        assert [row.language for row in rows] == ["lv", "en", "lv", "en"]
    dialogue.db.dispose()
