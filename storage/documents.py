"""Document jobs: documents waited for by outbox rows, claimed and built after the commit."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from storage.models import DocumentJob, utcnow

WAITING, DONE, FAILED = "waiting", "done", "failed"
MAX_ATTEMPTS = 3  # builds that raised before a job is given up (sent without its file)

_committed = 0  # jobs this process queued whose transaction committed: see jobs_committed
_committed_lock = threading.Lock()
_PENDING = "document_jobs_pending"  # session.info: jobs added, not yet committed


def jobs_committed() -> int:
    """How many jobs this process has queued and committed so far: a builder woken after a
    commit looks at the table only when this moved (most inputs queue none)."""
    return _committed


def _count_committed(session: Session) -> None:
    global _committed
    pending = session.info.pop(_PENDING, 0)
    if pending:
        with _committed_lock:
            _committed += pending


class DocumentJobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, outbox_id: int, position: int, recipe: dict[str, Any]) -> None:
        self.session.add(DocumentJob(outbox_id=outbox_id, position=position, recipe=recipe))
        info = self.session.info
        if _PENDING not in info:
            event.listen(self.session, "after_commit", _count_committed, once=True)
        info[_PENDING] = info.get(_PENDING, 0) + 1

    def claim(self) -> DocumentJob | None:
        """The oldest waiting job. On PostgreSQL its row stays locked until the transaction
        ends (``FOR UPDATE SKIP LOCKED``): no other builder takes it meanwhile, and a builder
        that dies mid-build leaves it to the next. SQLite has one writer process: no lock."""
        query = select(DocumentJob).where(DocumentJob.state == WAITING).order_by(DocumentJob.id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return self.session.scalars(query.limit(1)).first()

    def finish(self, job_id: int, data: bytes) -> bool:
        """Store a built job's bytes; False when it was not waiting any more (built already)."""
        done = self.session.execute(
            update(DocumentJob)
            .where(DocumentJob.id == job_id, DocumentJob.state == WAITING)
            .values(state=DONE, data=data, built_at=utcnow())
        )
        return bool(getattr(done, "rowcount", 0))

    def failed(self, job_id: int) -> str:
        """Count a build that raised; the job's state after it ("waiting" or "failed")."""
        job = self.session.get(DocumentJob, job_id)
        if job is None:
            return FAILED
        job.attempts += 1
        if job.attempts >= MAX_ATTEMPTS:
            job.state = FAILED
        return job.state

    def results(self, outbox_ids: list[int]) -> dict[tuple[int, int], bytes | None]:
        """(outbox id, position) -> the built bytes (None: given up) of the rows' jobs."""
        query = select(
            DocumentJob.outbox_id, DocumentJob.position, DocumentJob.state, DocumentJob.data
        ).where(DocumentJob.outbox_id.in_(outbox_ids))
        return {
            (outbox_id, position): (data if state == DONE else None)
            for outbox_id, position, state, data in self.session.execute(query)
        }

    def waiting(self) -> tuple[int, datetime | None]:
        """How many jobs wait to be built, and when the oldest of them was committed (None
        when none waits)."""
        count, oldest = self.session.execute(
            select(func.count(), func.min(DocumentJob.created_at)).where(
                DocumentJob.state == WAITING
            )
        ).one()
        return int(count or 0), oldest
