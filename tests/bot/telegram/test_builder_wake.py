"""The document builder looks at the job table after a commit only when this process has
committed a new job since: most inputs queue none, and their wake-ups cost no query."""

from __future__ import annotations

import pytest

from bot.dialogue.core import Dialogue
from bot.telegram.builder import DocumentBuilder
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
