"""Data rights through the dialogue core: the notice, /privacy, /mydata and /forget."""

from __future__ import annotations

import json

from sqlalchemy import inspect, select, text

from bot.dialogue.core import Dialogue
from storage.models import Base
from storage.privacy import USER_TABLES
from tests.bot.dialogue.test_coordinator_dialogue import create_project_via_risks
from tests.bot.helpers import USER, send, tap, text_of
from tests.conftest import build_test_dialogue

OTHER = 777


def _rows_mentioning(dialogue: Dialogue, user_id: int) -> dict[str, int]:
    """For every table, how many rows have ``user_id`` in any user or chat column."""
    found: dict[str, int] = {}
    with dialogue.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c.name for c in table.columns if c.name in {"user_id", "chat_id"}]
            if table.name == "users":
                columns.append("id")
            for column in columns:
                query = text(f"SELECT COUNT(*) FROM {table.name} WHERE {column} = :u")
                count = connection.execute(query, {"u": user_id}).scalar() or 0
                if count:
                    found[f"{table.name}.{column}"] = count
    return found


def _use_everything(dialogue: Dialogue, user: int = USER) -> None:
    create_project_via_risks(dialogue)  # a project and a paused checklist
    send(dialogue, "command", "/cancel", user)
    send(dialogue, "text", "kur meklēt partnerus?", user)


def test_every_table_with_user_data_is_covered_by_export_and_erase() -> None:
    covered = {model.__tablename__ for model, _ in USER_TABLES}
    for table in Base.metadata.sorted_tables:
        names = {c.name for c in table.columns}
        if names & {"user_id", "chat_id"} or table.name == "users":
            assert table.name in covered, f"{table.name} holds user data but is not covered"


def test_start_shows_the_privacy_notice_and_privacy_explains(dialogue: Dialogue) -> None:
    replies = send(dialogue, "command", "/start")
    replies = tap(dialogue, replies, "Latviešu")
    assert "/privacy" in text_of(replies)
    policy = text_of(send(dialogue, "command", "/privacy"))
    assert "Ko glabāju un kāpēc" in policy and "/mydata" in policy and "/forget" in policy
    assert "90 dienām" in policy


def test_mydata_sends_everything_stored_about_the_user_only(dialogue: Dialogue) -> None:
    _use_everything(dialogue)
    send(dialogue, "text", "kas ir CoVE?", OTHER)
    replies = send(dialogue, "command", "/mydata")
    [file] = [f for r in replies for f in r.files]
    assert file.filename.endswith(".json")
    data = json.loads(file.data)
    tables = data["tables"]
    assert data["user_id"] == USER
    assert tables["users"][0]["id"] == USER and tables["users"][0]["language"] == "lv"
    assert tables["projects"][0]["name"] == "GreenVET"
    assert tables["dialogue_states"][0]["paused"]  # the paused checklist and its answers
    assert [q["question"] for q in tables["question_log"]] == ["kur meklēt partnerus?"]
    assert "kas ir CoVE?" not in file.data.decode()  # nothing of another user
    # Every row about the user in the database is in the export.
    stored = _rows_mentioning(dialogue, USER)
    exported = sum(len(rows) for rows in tables.values())
    assert sum(stored.values()) == exported
    assert f"(ierakstu skaits: {exported})" in replies[0].text


def test_forget_asks_first_and_then_erases_everything(dialogue: Dialogue) -> None:
    _use_everything(dialogue)
    send(dialogue, "text", "kas ir CoVE?", OTHER)
    replies = send(dialogue, "command", "/forget")
    assert "To nevar atsaukt" in text_of(replies)
    kept = tap(dialogue, replies, "Nē, paturēt")
    assert "nekas netika dzēsts" in text_of(kept)
    assert _rows_mentioning(dialogue, USER)

    replies = send(dialogue, "command", "/forget")
    done = tap(dialogue, replies, "🗑 Jā, dzēst visu")
    assert "Visi Jūsu dati ir dzēsti" in text_of(done)
    assert _rows_mentioning(dialogue, USER) == {}
    assert _rows_mentioning(dialogue, OTHER)  # the other user is untouched
    # Writing again starts afresh.
    replies = send(dialogue, "command", "/start")
    assert "valodu" in text_of(replies).lower() or "language" in text_of(replies).lower()


def test_forget_works_on_every_backend(database_url: str) -> None:
    dialogue = build_test_dialogue(database_url)
    try:
        _use_everything(dialogue)
        done = tap(dialogue, send(dialogue, "command", "/forget"), "🗑 Jā, dzēst visu")
        assert "dzēsti" in text_of(done)
        assert _rows_mentioning(dialogue, USER) == {}
        with dialogue.db.engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            assert "outbox" in tables and "processed_updates" in tables
            assert connection.execute(select(text("1"))).scalar() == 1
    finally:
        dialogue.db.dispose()


def test_questions_lose_their_user_link_after_the_retention_time(dialogue: Dialogue) -> None:
    from datetime import timedelta

    from bot.dialogue.retention import apply_retention
    from storage.models import QuestionLog, utcnow

    send(dialogue, "text", "kāds laiks rīt?")
    send(dialogue, "text", "kas ir CoVE?")
    with dialogue.db.transaction() as session:
        old = session.scalars(select(QuestionLog).order_by(QuestionLog.id)).first()
        assert old is not None
        old.created_at = utcnow() - timedelta(days=91)
    apply_retention(dialogue.db)  # what the webhook's leader and the polling loop run
    with dialogue.db.transaction() as session:
        rows = session.scalars(select(QuestionLog).order_by(QuestionLog.id)).all()
        assert [r.user_id for r in rows] == [None, USER]
        assert rows[0].question == "kāds laiks rīt?"  # kept for editors, without the link


def test_stats_for_admins_only(sqlite_url: str) -> None:
    dialogue = build_test_dialogue(sqlite_url, admin_ids=frozenset({USER}))
    try:
        assert "tikai administratoriem" in text_of(send(dialogue, "command", "/stats", OTHER))
        send(dialogue, "command", "/start", OTHER)
        send(dialogue, "text", "kur meklēt partnerus?", OTHER)
        send(dialogue, "text", "kāds laiks rīt?", OTHER)
        stats = text_of(send(dialogue, "command", "/stats"))
        assert "lietotāji: 2" in stats
        assert "jautājumi: 2, atbildēti uzreiz: 1 (50%)" in stats
    finally:
        dialogue.db.dispose()
