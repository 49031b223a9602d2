"""The document builder looks at the job table after a commit only when this process has
committed a new job since: most inputs queue none, and their wake-ups cost no query."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Input, OutFile, Reply
from bot.telegram.builder import DocumentBuilder
from bot.telegram.wakeups import DOCUMENTS, Listener
from bot.telegram.webhook import outbox_writer
from storage.delivery import OutboxRepository
from storage.documents import DocumentJobRepository, jobs_committed
from tests.conftest import POSTGRES_URL, build_test_dialogue

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")


def _queue(dialogue: Dialogue, jobs: int, fail: bool = False) -> None:
    with dialogue.db.transaction() as session:
        row = OutboxRepository(session).add(chat_id=1, user_id=1, replies=[])
        for position in range(jobs):
            DocumentJobRepository(session).add(row.id, position, {"kind": "complete"})
        if fail:
            raise RuntimeError("rolled back")


def test_wake_up_only_after_a_committed_job(dialogue: Dialogue) -> None:
    builder = DocumentBuilder(dialogue.db, dialogue.flows)
    before = jobs_committed()
    _queue(dialogue, 0)
    builder.wake()
    assert not builder._wake.is_set()  # an input without documents: no look
    with pytest.raises(RuntimeError):
        _queue(dialogue, 1, fail=True)
    builder.wake()
    assert not builder._wake.is_set() and jobs_committed() == before  # rolled back: none
    _queue(dialogue, 2)
    assert jobs_committed() == before + 2
    builder.wake()
    assert builder._wake.is_set()
    dialogue.db.dispose()
    builder._wake.clear()
    builder.wake()  # nothing new since
    assert not builder._wake.is_set()


@needs_postgres
def test_a_job_committed_after_an_earlier_wake_up_still_wakes(database_url: str) -> None:
    """Two inputs in flight: the one without a job commits and wakes first; the job's own
    commit wakes the builder again (jobs are counted when committed, not when added). (SQLite
    runs one write transaction at a time: PostgreSQL only.)"""
    if not database_url.startswith("postgresql"):
        pytest.skip("overlapping write transactions")
    dialogue = build_test_dialogue(database_url)
    builder = DocumentBuilder(dialogue.db, dialogue.flows)
    with dialogue.db.transaction() as session:
        row = OutboxRepository(session).add(chat_id=1, user_id=1, replies=[])
        DocumentJobRepository(session).add(row.id, 0, {"kind": "complete"})
        _queue(dialogue, 0)  # the other input commits meanwhile
        builder.wake()
        assert not builder._wake.is_set()
    builder.wake()
    assert builder._wake.is_set()
    dialogue.db.dispose()


@needs_postgres
def test_queued_jobs_wake_the_builders_of_every_worker(database_url: str) -> None:
    """An input that queues document jobs notifies every worker's listener on the documents
    channel (their builders look, so a free one builds while the input's own worker builds
    another); an input that queues none wakes only the outbox senders."""
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY: PostgreSQL")
    dialogue = build_test_dialogue(database_url)
    builder = DocumentBuilder(dialogue.db, dialogue.flows)
    sends, looks = threading.Event(), threading.Event()
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    builder._wake = _SetOnly(looks)  # jobs_queued() sets it; the builder loop is not running
    listener = Listener(
        dialogue.db.url, sends.set, loop, also={DOCUMENTS: builder.jobs_queued}
    ).start()
    try:
        assert sends.wait(30) and looks.wait(30)  # every wake once, after connecting
        sends.clear(), looks.clear()
        inp = Input(1, 1, "text", "x")
        reply = Reply("PDF", files=(OutFile("a.pdf", b"", job={"kind": "complete"}),))
        with dialogue.db.transaction() as session:
            outbox_writer({"update_id": 1})(session, inp, [Reply("bez dokumenta")])
        assert sends.wait(30)
        assert not looks.wait(1.0)  # no job: no builder looks
        sends.clear()
        with dialogue.db.transaction() as session:
            outbox_writer({"update_id": 2})(session, inp, [reply])
        assert looks.wait(30) and sends.wait(30)
    finally:
        listener.stop()
        loop.call_soon_threadsafe(loop.stop)
        runner.join(5)
        loop.close()
        dialogue.db.dispose()


class _SetOnly:
    """Stands in for the builder's asyncio.Event where only ``set`` is watched."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def set(self) -> None:
        self.event.set()
