"""The webhook server: an ASGI app (Starlette, served by uvicorn) for several workers sharing one
PostgreSQL database.

``POST $WEBHOOK_PATH``: the secret header is checked in constant time (403 otherwise); the update
is handled within the request — its effects, the mark that its ``update_id`` was processed and
its replies (in the outbox) are committed together — and the answer is 200. Documents are not
built in the request: the reply names them (document jobs, committed with it), each worker's
``DocumentBuilder`` builds them after the commit, and the outbox row waits for them. A re-sent
update is acknowledged without being applied again. The leader worker's ``OutboxSender`` sends
replies.
``GET /healthz``: database and knowledge base.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.dialogue.core import BeforeCommit, Dialogue
from bot.dialogue.flood import FloodLimits
from bot.dialogue.messages import Input, Reply
from bot.logs import describe_error
from bot.settings import Settings
from bot.telegram.bot_api import BotApi
from bot.telegram.builder import DocumentBuilder
from bot.telegram.outbox import reply_to_json
from bot.telegram.sender import OutboxSender
from bot.telegram.trim import trim_forever
from bot.telegram.updates import (
    NotAnUpdate,
    callback_query_id,
    out_of_range,
    pressed_message_id,
    to_input,
)
from bot.telegram.wakeups import DOCUMENTS, Listener, notify
from flows import isolation
from storage.db import is_lock_timeout, is_retryable
from storage.delivery import OutboxRepository, ProcessedUpdateRepository
from storage.documents import DocumentJobRepository
from storage.models import utcnow

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000  # bytes; Telegram's updates are far smaller
HANDLE_TIMEOUT = 20.0  # seconds; longer means the database is not answering: 503, re-sent
HEALTH_TIMEOUT = 3.0  # seconds for /healthz's database check
OUTBOX_DEGRADED_AFTER = 60.0  # seconds a reply may wait before /healthz says "degraded"
DOCUMENTS_DEGRADED_AFTER = 120.0  # seconds a document job may wait before "degraded"


def make_api(settings: Settings, pool_size: int = 32) -> BotApi:
    """The worker's Bot API client for ``settings`` (token, optional other Bot API server)."""
    assert settings.telegram_token
    return BotApi(settings.telegram_token, settings.api_base_url, pool_size=pool_size)


@dataclass
class WebhookService:
    """What one worker holds: the dialogue core, the Bot API client, and the outbox sender."""

    settings: Settings
    dialogue: Dialogue
    api: BotApi
    sender: OutboxSender
    builder: DocumentBuilder
    counts: dict[str, int] = field(
        default_factory=lambda: {"database_retries": 0, "lock_timeouts": 0, "timeouts": 0}
    )

    async def handle(self, request: Request) -> Response:
        secret = self.settings.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        body = await _read_body(request, MAX_BODY)
        if body is None:
            return Response(status_code=413)
        try:
            data = _json(body)
        except Exception:
            log.warning("refused a webhook body that is not a Telegram update")
            return Response(status_code=400)
        if out_of_range(data):
            # Nothing can store it, and a 4xx/5xx would have Telegram re-send it for a day.
            log.warning("dropped an update holding a number beyond 64 bits (or nested too deep)")
            return Response(status_code=200)
        update_id: int = data["update_id"]
        try:
            inp = to_input(data, self.settings.bot_username)
            if inp is None:
                return Response(status_code=200)  # nothing to do (an edit, a channel post…)
            write = outbox_writer(data)
        except NotAnUpdate:
            log.warning("refused a webhook body that is not a Telegram update")
            return Response(status_code=400)
        try:
            done = await asyncio.wait_for(
                asyncio.to_thread(self.dialogue.handle_update, inp, update_id, write),
                HANDLE_TIMEOUT,
            )
        except TimeoutError:
            self.counts["timeouts"] += 1
            log.warning(
                "update %s not done in %.0f s (database not answering?); 503, Telegram re-sends",
                update_id,
                HANDLE_TIMEOUT,
            )
            return _retry_later()
        except Exception as exc:
            if is_retryable(exc):
                return self._database_trouble(update_id, exc)
            log.exception("the dialogue core failed on update %s", update_id)
            try:
                done = await asyncio.to_thread(self._apologise, inp, update_id, write)
            except Exception as again:
                self._database_trouble(update_id, again)
                return _retry_later()
        log.debug("update %s %s (%s)", update_id, inp.kind, "done" if done else "repeat")
        self.builder.wake()
        self.sender.wake()
        return Response(status_code=200)

    def _database_trouble(self, update_id: int, exc: BaseException) -> Response:
        """A database error a retry can fix: nothing was committed; Telegram re-sends."""
        self.counts["database_retries"] += 1
        if is_lock_timeout(exc):
            self.counts["lock_timeouts"] += 1
        log.warning(
            "update %s: database trouble (%s); 503 so Telegram re-sends it",
            update_id,
            describe_error(exc),
        )
        return _retry_later()

    def _apologise(self, inp: Input, update_id: int, write: BeforeCommit) -> bool:
        """Mark a failing update processed with an apology, so Telegram stops re-sending it."""
        apology = [self.dialogue.apology(inp)]
        with self.dialogue.db.transaction() as session:
            if not ProcessedUpdateRepository(session).claim(update_id):
                return False
            write(session, inp, apology)
        return True

    async def health(self, request: Request) -> Response:
        """ "ok", "degraded" (replies or documents waiting too long, Bot API unreachable) or
        "unavailable" (no database: 503). The figures only with the ``HEALTH_TOKEN`` (when one
        is set)."""
        try:
            (waiting, oldest), (jobs, oldest_job) = await asyncio.wait_for(
                asyncio.to_thread(self._database_check), HEALTH_TIMEOUT
            )
            database: str = "ok"
        except TimeoutError:
            waiting, oldest, jobs, oldest_job = None, None, None, None
            database = "unavailable: no answer"
        except Exception as exc:
            waiting, oldest, jobs, oldest_job = None, None, None, None
            database = f"unavailable: {type(exc).__name__}"
        now = utcnow()
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        job_age = (now - oldest_job).total_seconds() if oldest_job is not None else 0.0
        problems = []
        if age > OUTBOX_DEGRADED_AFTER:
            problems.append("replies waiting")
        if job_age > DOCUMENTS_DEGRADED_AFTER:
            problems.append("documents waiting")
        if self.sender.bot_api not in ("ok", "unknown"):
            problems.append("bot api")
        status = "unavailable" if database != "ok" else "degraded" if problems else "ok"
        body: dict[str, Any] = {"status": status, "database": database}
        if self._may_see_details(request):
            body |= {
                "bot_api": self.sender.bot_api,
                "knowledge_entries": len(self.dialogue.qa.knowledge),
                "outbox_waiting": waiting,
                "outbox_oldest_seconds": round(age, 1),
                "documents_waiting": jobs,
                "documents_oldest_seconds": round(job_age, 1),
                "leader": self.sender.leadership.held,
                **self.counts,
            }
        return JSONResponse(body, status_code=200 if database == "ok" else 503)

    def _may_see_details(self, request: Request) -> bool:
        token = self.settings.health_token
        if not token:
            return True
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())

    def _database_check(self) -> tuple[tuple[int, datetime | None], tuple[int, datetime | None]]:
        """(replies waiting, the oldest one's time), (document jobs waiting, the oldest's)."""
        with self.dialogue.db.transaction() as session:
            session.execute(text("SELECT 1"))
            outbox = OutboxRepository(session)
            return (outbox.count(), outbox.oldest()), DocumentJobRepository(session).waiting()


def _retry_later() -> Response:
    return Response(status_code=503, headers={"Retry-After": "1"})


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to be over ``limit`` bytes (before reading it
    all: the declared length first, then while streaming)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _json(body: bytes) -> Any:
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise ValueError("not an update")
    return data


def outbox_writer(update: Mapping[str, Any]) -> BeforeCommit:
    """The BeforeCommit hook storing an update's (its JSON's) replies in the outbox; raises
    ``NotAnUpdate`` when its button press is malformed."""
    query_id = callback_query_id(update)
    if query_id is not None and len(query_id) > 64:
        query_id = None
    edit_id = pressed_message_id(update)

    def write(session: Session, inp: Input, replies: list[Reply]) -> None:
        if not replies and query_id is None:
            return
        jobs: list[Mapping[str, Any]] = []
        stored = [reply_to_json(r, jobs) for r in replies]
        row = OutboxRepository(session).add(
            chat_id=inp.chat_id,
            user_id=inp.user_id,
            replies=stored,
            callback_query_id=query_id,
            edit_message_id=edit_id,
        )
        documents = DocumentJobRepository(session)
        for position, recipe in enumerate(jobs):
            documents.add(row.id, position, dict(recipe))
        notify(session)  # the leader's sender, whichever worker it is in
        if jobs:
            notify(session, DOCUMENTS)  # every free builder, whichever worker it is in

    return write


async def meet_telegram(
    api: BotApi,
    sender: OutboxSender,
    learnt: Callable[[str], None] | None = None,
    most: float = 60.0,
) -> None:
    """``getMe`` until it answers, with back-off: the worker serves (and stores updates) while
    the Bot API is unreachable, and learns its @username (``learnt``) when it is back."""
    delay = 1.0
    while True:
        try:
            await asyncio.wait_for(api.get_me(), 15.0)
            sender.bot_api = "ok"
            if learnt is not None and api.username:
                learnt(api.username)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            sender.bot_api = f"unreachable: {type(exc).__name__}"
            log.warning(
                "the Bot API is unreachable (%s); trying again in %.0f s", type(exc).__name__, delay
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, most)


def create_app(settings: Settings | None = None, dialogue: Dialogue | None = None) -> Starlette:
    """The ASGI app (uvicorn calls it with no arguments in each worker: settings from the
    environment; the schema was migrated by the parent process)."""
    from bot.logs import install_redaction

    settings = settings or Settings.from_env()
    install_redaction([settings.telegram_token, settings.webhook_secret])  # before any log line
    service: dict[str, WebhookService] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from bot.app import build_dialogue
        from bot.logs import configure_logging

        configure_logging(settings)
        isolation.enable()  # documents are built in child processes: the worker stays small
        core = dialogue or build_dialogue(
            settings.database_url,
            admin_ids=settings.admin_ids,
            migrate=False,
            flood=FloodLimits(),
        )
        api = make_api(settings)
        core.defer_documents = True  # built after the commit, by the builder below
        sender = OutboxSender(core.db, api, core.reminders)
        builder = DocumentBuilder(core.db, core.flows, on_built=sender.wake)
        builder_task = asyncio.create_task(builder.run(), name="document-builder")
        listener = None
        if core.db.dialect == "postgresql":
            listener = Listener(
                core.db.url,
                sender.wake,
                asyncio.get_running_loop(),
                also={DOCUMENTS: builder.jobs_queued},
            ).start()
        service["it"] = it = WebhookService(settings, core, api, sender, builder)

        def learnt(username: str) -> None:  # Telegram's answer first, as the Bot's was
            it.settings = replace(it.settings, bot_username=username)

        meet_task = asyncio.create_task(meet_telegram(api, sender, learnt), name="meet-telegram")
        sender_task = asyncio.create_task(sender.run(), name="outbox-sender")
        trim_task = asyncio.create_task(trim_forever(), name="malloc-trim")
        # Ready only with the document helper warm: the first document is built at full speed.
        if not await asyncio.to_thread(isolation.wait_ready):
            log.warning("the document helper is not warm yet; the first document waits for it")
        log.info("webhook worker ready on %s", settings.webhook_path)
        try:
            yield
        finally:
            log.info("worker stopping: finishing deliveries under way")
            meet_task.cancel()
            trim_task.cancel()
            builder.stop()
            if listener is not None:
                await asyncio.to_thread(listener.stop)
            await sender.stop()
            sender_task.cancel()
            await asyncio.gather(
                sender_task, meet_task, builder_task, trim_task, return_exceptions=True
            )
            await api.close()
            core.db.dispose()
            log.info("worker stopped")

    async def telegram(request: Request) -> Response:
        return await service["it"].handle(request)

    async def health(request: Request) -> Response:
        return await service["it"].health(request)

    routes = [
        Route(settings.webhook_path, telegram, methods=["POST"]),
        Route("/healthz", health, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
