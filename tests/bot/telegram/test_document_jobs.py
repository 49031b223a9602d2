"""Documents as jobs in the webhook: the input commits with a document job, the 200 does not
wait for the build, the document goes out in order with the messages around it (a later
message waits for it), jobs survive a builder that dies mid-build and are sent once — a
DigComp result's and a teacher's group report (made from its aggregate alone); /healthz counts
the jobs waiting."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

import bot.telegram.builder as builder_module
from bot.dialogue.core import Dialogue
from bot.telegram import sender as sender_module
from bot.telegram import webhook as webhook_module
from bot.telegram.builder import DocumentBuilder
from bot.telegram.pacing import Pacer
from storage.db import Database
from storage.documents import DocumentJobRepository
from storage.models import DocumentJob, OutboxMessage, utcnow
from tests.bot.dialogue.group_helpers import learner_joins, open_card, teacher_with_group
from tests.bot.fake_telegram import callback_update, message_update
from tests.bot.helpers import buttons
from tests.bot.telegram.test_webhook import Webhook, _eventually, _serve
from tests.support.fake_bot_api import ApiCall, FakeBotApi

LEARNER = 515
TEACHER, LEARNERS = 616, 727001  # a group's teacher and its five learners


class Looks:
    """The outbox sender's looks at the outbox: when each began and the chats of the rows it
    chose to send. A look that began after a commit has seen what it committed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done: list[tuple[float, list[int]]] = []

    def watch(self, sender: sender_module.OutboxSender) -> None:
        real = sender._look

        def look(*args: Any, **kwargs: Any) -> Any:
            began = time.monotonic()
            chosen = real(*args, **kwargs)
            with self._lock:
                self.done.append((began, [item.chat_id for item in chosen]))
            return chosen

        sender._look = look  # type: ignore[method-assign]

    def held_back(self, chat_id: int, since: float) -> bool:
        """Once a look that began from now on is done (it has seen every row committed so far):
        whether no look that began after ``since`` chose a row of ``chat_id``."""
        now = time.monotonic()
        assert _eventually(lambda: any(began > now for began, _ in self.done))
        with self._lock:
            return not any(chat_id in chats for began, chats in self.done if began > since)


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> Looks:
    """The looks of the outbox sender the webhook makes."""
    seen = Looks()
    real = webhook_module.OutboxSender

    def watched(*args: Any, **kwargs: Any) -> sender_module.OutboxSender:
        sender = real(*args, **kwargs)
        seen.watch(sender)
        return sender

    monkeypatch.setattr(webhook_module, "OutboxSender", watched)
    return seen


@pytest.fixture
def webhook(database_url: str, monkeypatch: pytest.MonkeyPatch, looks: Looks) -> Iterator[Webhook]:
    # Telegram's per-chat pace (1/s) would make a 22-step dialogue slow; not what is tested here.
    monkeypatch.setattr(sender_module, "Pacer", lambda: Pacer(chat_rate=500, chat_burst=500))
    yield from _serve(database_url)


def _buttons(call: ApiCall) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


def _last_with(fake: FakeBotApi, prefix: str, after: int) -> ApiCall:
    def found(calls: list[ApiCall]) -> bool:
        mine = [c for c in calls[after:] if c.chat_id == LEARNER]
        return any(b.startswith(prefix) for c in mine for b in _buttons(c))

    calls = fake.wait_for(found, timeout=60)
    return [c for c in calls[after:] if any(b.startswith(prefix) for b in _buttons(c))][-1]


def _to_last_statement(webhook: Webhook) -> str:
    """/start, Latvian, /digcomp quick and 20 answers: the callback data of the 21st."""
    fake = webhook.fake
    assert webhook.post(message_update(LEARNER, "/start")) == 200
    _last_with(fake, "lang:", 0)
    assert webhook.post(callback_update(LEARNER, "lang:lv")) == 200
    seen = len(fake.calls())
    assert webhook.post(message_update(LEARNER, "/digcomp quick")) == 200
    for _ in range(20):
        step = _last_with(fake, "f:", seen)
        seen = len(fake.calls())
        assert webhook.post(callback_update(LEARNER, _buttons(step)[0])) == 200
    return _buttons(_last_with(fake, "f:", seen))[0]


def _count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_document_is_built_after_the_200_and_sent_in_order(
    webhook: Webhook, monkeypatch: pytest.MonkeyPatch, looks: Looks
) -> None:
    release = threading.Event()
    real_make = builder_module.make

    def slow_make(flows: Any, recipe: Any) -> bytes:
        assert release.wait(120)
        return real_make(flows, recipe)

    monkeypatch.setattr(builder_module, "make", slow_make)
    last = _to_last_statement(webhook)
    fake, db = webhook.fake, webhook.dialogue.db
    before = len(fake.calls(chat_id=LEARNER))
    since = time.monotonic()  # the chat's earlier rows are sent: it has none waiting
    assert webhook.post(callback_update(LEARNER, last)) == 200  # while nothing is built
    assert _count(db, DocumentJob) == 2  # the chart and the PDF, committed with the answer
    assert webhook.post(message_update(LEARNER, "kas ir CoVE?")) == 200
    # the sender has looked since both rows were committed, and left them waiting
    assert looks.held_back(LEARNER, since)
    assert len(fake.calls(chat_id=LEARNER)) <= before + 1
    release.set()
    fake.wait_for(lambda c: len([x for x in c if x.chat_id == LEARNER]) >= before + 4, 60)
    after = [c.method for c in fake.calls(chat_id=LEARNER)[before:]]
    # the answered button, then the result's picture and PDF, its summary, then the answer
    assert after[-4:] == ["sendPhoto", "sendDocument", "sendMessage", "sendMessage"]
    assert "CoVE" in (fake.calls(chat_id=LEARNER)[-1].text or "")
    assert _eventually(lambda: _count(db, OutboxMessage) == 0 and _count(db, DocumentJob) == 0)
    assert len(fake.calls("sendDocument", chat_id=LEARNER)) == 1


def test_a_builder_that_dies_mid_build_leaves_the_job_to_another(
    webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = webhook.dialogue.db
    _skip_unless_row_locks(db)
    last = _to_last_statement(webhook)
    # the worker's builder holds the first job, mid-build
    held, release = _stalled_at_first_build(webhook, monkeypatch, callback_update(LEARNER, last))
    other = DocumentBuilder(Database(db.url), webhook.dialogue.flows)
    with other.db.transaction() as session:  # the held job is skipped, not waited for
        claimed = DocumentJobRepository(session).claim()
        assert claimed is not None and claimed.recipe["index"] == 1
    # The stuck builder "dies": the server ends its session, its transaction rolls back.
    _end_sessions(db, held)
    release()
    while other.build_one():
        pass
    fake = webhook.fake
    fake.wait_for(lambda c: any(x.method == "sendDocument" for x in c), 60)
    assert _eventually(lambda: _count(db, OutboxMessage) == 0)
    assert len(fake.calls("sendPhoto", chat_id=LEARNER)) == 1
    assert len(fake.calls("sendDocument", chat_id=LEARNER)) == 1
    other.db.dispose()


def test_a_job_is_stored_once(database_url: str) -> None:
    from tests.conftest import build_test_dialogue

    dialogue: Dialogue = build_test_dialogue(database_url)
    with dialogue.db.transaction() as session:
        row = OutboxMessage(chat_id=1, user_id=1, replies=[])
        session.add(row)
        session.flush()
        DocumentJobRepository(session).add(row.id, 0, {"kind": "complete"})
    with dialogue.db.transaction() as session:
        jobs = DocumentJobRepository(session)
        job = jobs.claim()
        assert job is not None
        assert jobs.finish(job.id, b"one")
        assert not jobs.finish(job.id, b"two")  # built already: never replaced
        assert jobs.results([row.id]) == {(row.id, 0): b"one"}
    dialogue.db.dispose()


def test_health_counts_waiting_documents_and_is_degraded_past_two_minutes(
    webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = webhook.client.get("/healthz").json()
    assert (body["documents_waiting"], body["documents_oldest_seconds"]) == (0, 0)
    release = threading.Event()

    def held(flows: Any, recipe: Any) -> bytes:  # the build goes on until released
        assert release.wait(120)
        raise ValueError("not a document")

    monkeypatch.setattr(builder_module, "make", held)
    db = webhook.dialogue.db
    with db.transaction() as session:  # a job committed three minutes ago, still being built
        row = OutboxMessage(chat_id=1, user_id=1, replies=[])
        session.add(row)
        session.flush()
        session.add(
            DocumentJob(
                outbox_id=row.id,
                position=0,
                recipe={"kind": "complete"},
                created_at=utcnow() - timedelta(minutes=3),
            )
        )
    try:
        body = webhook.client.get("/healthz").json()
        assert body["status"] == "degraded", body
        assert body["documents_waiting"] == 1 and body["documents_oldest_seconds"] >= 170
        assert body["outbox_oldest_seconds"] < 60  # the documents made it degraded
    finally:
        release.set()
    # given up after its attempts (sent without the file): nothing waits any more
    assert _eventually(lambda: webhook.client.get("/healthz").json()["status"] == "ok")
    assert webhook.client.get("/healthz").json()["documents_waiting"] == 0


def _round_to_close(webhook: Webhook) -> str:
    """A teacher (``TEACHER``) whose open round five learners finished, set up through the
    core; the callback data of the teacher's "close round" button."""
    core = webhook.dialogue
    teacher, token = teacher_with_group(core, TEACHER)
    open_card(teacher)
    teacher.press("Sākt kārtu")
    for n in range(5):
        learner_joins(core, LEARNERS + n, token, "lv").rate_all(1 + n % 3)
    open_card(teacher)
    data = next(b.data for b in buttons(teacher.last) if "Slēgt kārtu" in b.label)
    assert data is not None
    return data


def _report_files(fake: FakeBotApi) -> list[tuple[str, bytes]]:
    return [part for call in fake.calls(chat_id=TEACHER) for part in call.files.values()]


def test_a_group_report_is_built_after_the_200_and_sent_once_in_order(
    webhook: Webhook, monkeypatch: pytest.MonkeyPatch, looks: Looks
) -> None:
    release = threading.Event()
    real_make = builder_module.make
    recipes: list[Any] = []

    def slow_make(flows: Any, recipe: Any) -> bytes:
        recipes.append(recipe)
        assert release.wait(120)
        return real_make(flows, recipe)

    monkeypatch.setattr(builder_module, "make", slow_make)
    close = _round_to_close(webhook)
    fake, db = webhook.fake, webhook.dialogue.db
    since = time.monotonic()  # the teacher's chat has no rows yet (set up through the core)
    assert webhook.post(callback_update(TEACHER, close)) == 200  # while nothing is built
    with db.transaction() as session:
        jobs = session.scalars(select(DocumentJob).order_by(DocumentJob.id)).all()
        assert [(j.recipe["kind"], j.recipe["filename"][-4:]) for j in jobs] == [
            ("group", ".png"),
            ("group", "xlsx"),
        ]
        stored = json.dumps([j.recipe for j in jobs])
    for n in range(5):  # no learner's id in what the job keeps
        assert str(LEARNERS + n) not in stored
    assert webhook.post(message_update(TEACHER, "kas ir CoVE?")) == 200
    assert looks.held_back(TEACHER, since)  # the sender looked since, and left them waiting
    assert not _report_files(fake)
    release.set()
    fake.wait_for(lambda c: any("CoVE" in (x.text or "") for x in c if x.chat_id == TEACHER), 60)
    methods = [c.method for c in fake.calls(chat_id=TEACHER) if c.method.startswith("send")]
    # closed, then the chart, the two summaries, the XLSX; then the answer to the question
    assert methods[-6:] == [
        "sendMessage",
        "sendPhoto",
        "sendMessage",
        "sendMessage",
        "sendDocument",
        "sendMessage",
    ]
    names = [name for name, _ in _report_files(fake)]
    assert len(names) == 2 and names[0].endswith(".png") and names[1].endswith(".xlsx")
    assert _eventually(lambda: _count(db, OutboxMessage) == 0 and _count(db, DocumentJob) == 0)


def test_a_group_report_builder_dying_mid_build_loses_and_doubles_nothing(
    webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = webhook.dialogue.db
    _skip_unless_row_locks(db)
    close = _round_to_close(webhook)
    # the worker's builder holds the chart's job, mid-build
    held, release = _stalled_at_first_build(webhook, monkeypatch, callback_update(TEACHER, close))
    _end_sessions(db, held)  # the builder "dies": its session ends, its transaction rolls back
    release()
    other = DocumentBuilder(Database(db.url), webhook.dialogue.flows)
    while other.build_one():
        pass
    fake = webhook.fake
    fake.wait_for(lambda c: any(x.method == "sendDocument" for x in c), 60)
    assert _eventually(lambda: _count(db, OutboxMessage) == 0 and _count(db, DocumentJob) == 0)
    files = _report_files(fake)
    assert [name[-4:] for name, _ in files] == [".png", "xlsx"]
    assert all(data for _, data in files)
    other.db.dispose()


def _skip_unless_row_locks(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("row locks held by a builder: PostgreSQL")


def _stalled_at_first_build(
    webhook: Webhook, monkeypatch: pytest.MonkeyPatch, update: dict[str, Any]
) -> tuple[list[int], Callable[[], None]]:
    """Post ``update`` with builds stalled at their start: the sessions of the worker's builder
    holding the first job (never none), and the release."""
    started, release = _stall_builds(monkeypatch)
    assert webhook.post(update) == 200
    assert started.wait(60)
    held = _sessions_holding_jobs(webhook.dialogue.db)
    assert held
    return held, release


def _stall_builds(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, Callable[[], None]]:
    """Builds stop at their start (the event is set then) until ``release()`` (at most 120 s,
    or until the database ends the builder's session)."""
    started, never = threading.Event(), threading.Event()
    real_make = builder_module.make

    def stuck(flows: Any, recipe: Any) -> bytes:
        started.set()
        never.wait(120)
        return real_make(flows, recipe)

    def release() -> None:
        monkeypatch.setattr(builder_module, "make", real_make)
        never.set()

    monkeypatch.setattr(builder_module, "make", stuck)
    return started, release


def _sessions_holding_jobs(db: Database) -> list[int]:
    """The other database sessions holding a document job's row lock (PostgreSQL), in this
    database only: pg_locks lists every database's locks, and the sessions found are ended."""
    holders = text(
        "SELECT pid FROM pg_locks JOIN pg_class ON pg_class.oid = relation WHERE "
        "relname = 'document_jobs' AND mode = 'RowShareLock' AND pid <> pg_backend_pid() "
        "AND pg_locks.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with db.transaction() as session:
        return list(session.execute(holders).scalars().all())


def _end_sessions(db: Database, pids: list[int]) -> None:
    with db.transaction() as session:
        for pid in pids:
            session.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
