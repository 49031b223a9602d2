"""The webhook server: an ASGI app (Starlette, served by uvicorn) for several workers sharing one
PostgreSQL database.

``POST $WEBHOOK_PATH``: the secret header is checked in constant time (403 otherwise); the update
is handled within the request — its effects, the mark that its ``update_id`` was processed and
its replies (in the outbox) are committed together — and the answer is 200. A re-sent update is
acknowledged without being applied again. The leader worker's ``OutboxSender`` sends replies.
``GET /healthz``: database and knowledge base.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.request import HTTPXRequest

from bot.dialogue.core import BeforeCommit, Dialogue
from bot.dialogue.flood import FloodLimits
from bot.dialogue.messages import Input, Reply
from bot.settings import Settings
from bot.telegram.outbox import reply_to_json
from bot.telegram.sender import OutboxSender
from bot.telegram.updates import to_input
from flows import isolation
from storage.delivery import OutboxRepository, ProcessedUpdateRepository

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000  # bytes; Telegram's updates are far smaller


def make_bot(settings: Settings, pool_size: int = 32) -> Bot:
    """A Bot for ``settings`` (token, optional other Bot API server)."""
    assert settings.telegram_token
    base = settings.api_base_url
    return Bot(
        settings.telegram_token,
        base_url=base,
        base_file_url=base.removesuffix("/bot") + "/file/bot",
        request=HTTPXRequest(connection_pool_size=pool_size, read_timeout=15.0),
    )


@dataclass
class WebhookService:
    """What one worker holds: the dialogue core, the Bot, and the outbox sender."""

    settings: Settings
    dialogue: Dialogue
    bot: Bot
    sender: OutboxSender

    async def handle(self, request: Request) -> Response:
        secret = self.settings.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            update = Update.de_json(_json(body), self.bot)
        except Exception:
            log.warning("refused a webhook body that is not a Telegram update")
            return Response(status_code=400)
        inp = to_input(update)
        if inp is None:
            return Response(status_code=200)  # nothing to do (an edit, a channel post…)
        write = outbox_writer(update)
        try:
            done = await asyncio.to_thread(
                self.dialogue.handle_update, inp, update.update_id, write
            )
        except Exception:
            log.exception("the dialogue core failed on update %s", update.update_id)
            try:
                done = await asyncio.to_thread(self._apologise, inp, update, write)
            except Exception:
                log.exception("could not store the apology either; Telegram will re-send")
                return Response(status_code=500)
        log.debug("update %s %s (%s)", update.update_id, inp.kind, "done" if done else "repeat")
        self.sender.wake()
        return Response(status_code=200)

    def _apologise(self, inp: Input, update: Update, write: BeforeCommit) -> bool:
        """Mark a failing update processed with an apology, so Telegram stops re-sending it."""
        apology = [self.dialogue.apology(inp)]
        with self.dialogue.db.transaction() as session:
            if not ProcessedUpdateRepository(session).claim(update.update_id):
                return False
            write(session, inp, apology)
        return True

    async def health(self, request: Request) -> Response:
        try:
            waiting = await asyncio.to_thread(self._database_check)
            database: str = "ok"
        except Exception as exc:
            waiting, database = None, f"unavailable: {type(exc).__name__}"
        body = {
            "status": "ok" if database == "ok" else "unavailable",
            "database": database,
            "knowledge_entries": len(self.dialogue.qa.knowledge),
            "outbox_waiting": waiting,
            "leader": self.sender.leadership.held,
        }
        return JSONResponse(body, status_code=200 if database == "ok" else 503)

    def _database_check(self) -> int:
        with self.dialogue.db.transaction() as session:
            session.execute(text("SELECT 1"))
            return OutboxRepository(session).count()


def _json(body: bytes) -> Any:
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise ValueError("not an update")
    return data


def outbox_writer(update: Update) -> BeforeCommit:
    """The BeforeCommit hook storing an update's replies in the outbox."""
    query = update.callback_query
    query_id = query.id if query is not None else None
    message = query.message if query is not None else None
    edit_id = message.message_id if message is not None else None

    def write(session: Session, inp: Input, replies: list[Reply]) -> None:
        if not replies and query_id is None:
            return
        OutboxRepository(session).add(
            chat_id=inp.chat_id,
            user_id=inp.user_id,
            replies=[reply_to_json(r) for r in replies],
            callback_query_id=query_id,
            edit_message_id=edit_id,
        )

    return write


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
        bot = make_bot(settings)
        await bot.initialize()
        sender = OutboxSender(core.db, bot, core.reminders)
        sender_task = asyncio.create_task(sender.run(), name="outbox-sender")
        service["it"] = WebhookService(settings, core, bot, sender)
        log.info("webhook worker ready on %s", settings.webhook_path)
        try:
            yield
        finally:
            log.info("worker stopping: finishing deliveries under way")
            await sender.stop()
            sender_task.cancel()
            await asyncio.gather(sender_task, return_exceptions=True)
            await bot.shutdown()
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
