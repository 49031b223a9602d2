"""The webhook worker's document builder: one task per worker that claims document jobs,
builds them in the document helper and stores their bytes, so their outbox rows can be sent.

On PostgreSQL a job's row stays locked while it is built (``FOR UPDATE SKIP LOCKED``): the
workers' builders never build the same job, and a builder that dies mid-build (its connection
gone, its transaction rolled back) leaves the job waiting for the next. A job is stored once
(``finish`` only changes a waiting job), so it is sent once with its row. A build that raises is
tried again (``MAX_ATTEMPTS``), then given up: its row is sent without it. A job is built by
the worker that took its input, woken at once — a wake-up after an input that queued no job
(most of them) costs no query — and by any other worker's builder that is free, woken by the
jobs' notification (``bot.telegram.wakeups.DOCUMENTS``), so the files of one result (or of
several users') are built side by side; ``poll_every`` is the fallback that finds jobs a
crashed worker left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.dialogue.documents import make
from bot.logs import describe_error
from bot.telegram.wakeups import notify
from flows.registry import FlowRegistry
from storage.db import Database
from storage.documents import FAILED, DocumentJobRepository, jobs_committed

log = logging.getLogger(__name__)


class DocumentBuilder:
    def __init__(
        self,
        db: Database,
        flows: FlowRegistry,
        *,
        poll_every: float = 5.0,
        on_built: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.flows = flows
        self.poll_every = poll_every
        self.on_built = on_built
        self.built = 0
        self._wake = asyncio.Event()
        self._stopping = False
        self._jobs_seen = jobs_committed()

    def wake(self) -> None:
        """An input was just committed: look now instead of at the next poll if this process
        queued a job since the last wake-up (else there is nothing new to build)."""
        added = jobs_committed()
        if added != self._jobs_seen:
            self._jobs_seen = added
            self._wake.set()

    def jobs_queued(self) -> None:
        """Another worker committed document jobs (its notification): look now, in case this
        builder is free while that worker's builds the first of them."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            try:
                if await asyncio.to_thread(self.build_one):
                    if self.on_built is not None:
                        self.on_built()
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("the document builder failed (%s); trying again", describe_error(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_every)
            self._wake.clear()

    def build_one(self) -> bool:
        """Build the oldest waiting job, if there is one (blocking: call it in a thread)."""
        if self.db.dialect == "postgresql":
            return self._build_locked()
        return self._build_unlocked()

    def _build_locked(self) -> bool:
        with self.db.transaction() as session:
            jobs = DocumentJobRepository(session)
            job = jobs.claim()
            if job is None:
                return False
            try:
                data = make(self.flows, job.recipe)
            except Exception as exc:
                self._failed(jobs, job.id, exc)
                return True
            if jobs.finish(job.id, data):
                notify(session)  # its row may be sent now, by whichever worker leads
            self.built += 1
            return True

    def _build_unlocked(self) -> bool:
        """SQLite: one worker process, one builder; the write lock is not held while building."""
        with self.db.transaction() as session:
            job = DocumentJobRepository(session).claim()
            if job is None:
                return False
            job_id, recipe = job.id, job.recipe
        try:
            data = make(self.flows, recipe)
        except Exception as exc:
            with self.db.transaction() as session:
                self._failed(DocumentJobRepository(session), job_id, exc)
            return True
        with self.db.transaction() as session:
            if DocumentJobRepository(session).finish(job_id, data):
                self.built += 1
        return True

    @staticmethod
    def _failed(jobs: DocumentJobRepository, job_id: int, exc: BaseException) -> None:
        state = jobs.failed(job_id)
        if state == FAILED:
            notify(jobs.session)  # its row goes without it now
        log.warning(
            "document job %s failed (%s)%s",
            job_id,
            describe_error(exc),
            "; given up, its message goes without it" if state == FAILED else "; will retry",
        )
