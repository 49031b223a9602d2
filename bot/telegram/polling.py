"""The Telegram transport: python-telegram-bot updates -> Inputs, Replies -> Bot API calls.

Thin by design: all decisions are the dialogue core's. Used by ``python -m bot run`` and by the
offline tests, which pass a recording ``request`` instead of the network.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest

from bot.dialogue.core import Dialogue
from bot.dialogue.flood import FloodLimits
from bot.dialogue.messages import Input, OutFile, Reply
from bot.dialogue.reminders import DueReminder, deliver_forever
from bot.dialogue.retention import apply_retention
from bot.logs import describe_error
from bot.settings import Settings
from bot.telegram.menu import register_commands_on
from bot.telegram.send import Rows, send_replies
from bot.telegram.updates import to_input
from knowledge.texts import Catalogue
from storage.db import is_retryable

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def keyboard(buttons: Rows) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in buttons
        ]
    )


class PtbTransport:
    """Replies through python-telegram-bot's ``Bot`` (``bot.telegram.send.Transport``)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(self, chat_id: int, text: str, buttons: Rows, no_preview: bool) -> None:
        await self.bot.send_message(
            chat_id,
            text,
            reply_markup=keyboard(buttons),
            link_preview_options=NO_PREVIEW if no_preview else None,
        )

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, buttons: Rows, no_preview: bool
    ) -> str | None:
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=keyboard(buttons),
                link_preview_options=NO_PREVIEW if no_preview else None,
            )
        except BadRequest as exc:
            return exc.message
        return None

    async def send_file(
        self, chat_id: int, file: OutFile, caption: str | None, buttons: Rows
    ) -> None:
        data = InputFile(file.data, filename=file.filename)
        if file.is_image:
            await self.bot.send_photo(
                chat_id, data, caption=caption, reply_markup=keyboard(buttons)
            )
        else:
            await self.bot.send_document(
                chat_id, data, caption=caption, reply_markup=keyboard(buttons)
            )


class TelegramTransport:
    """Routes PTB updates through the dialogue core and sends its replies."""

    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        inp = to_input(update.to_dict(), _username(update))
        if inp is None:
            return
        replies = await self.handle(inp)
        query = update.callback_query
        if query is not None:
            notice = next((r.text for r in replies if r.notice), None)
            await query.answer(text=notice)
            replies = [r for r in replies if not r.notice]
        await self.send(context, inp.chat_id, replies, query.message if query else None)

    async def handle(self, inp: Input, attempts: int = 3) -> list[Reply]:
        """The core's replies; database trouble a retry can fix is retried here (polling has
        no Telegram re-send), and only what still fails gets the apology."""
        for attempt in range(attempts):
            try:
                return await asyncio.to_thread(self.dialogue.handle, inp)
            except Exception as exc:
                if is_retryable(exc) and attempt < attempts - 1:
                    log.warning("database trouble (%s); retrying", describe_error(exc))
                    await asyncio.sleep(0.5 * 2**attempt)
                    continue
                log.exception("the dialogue core failed on an input")
                break
        return [self.dialogue.apology(inp)]

    async def send(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        replies: list[Reply],
        pressed: object | None,
    ) -> None:
        message_id = pressed.message_id if isinstance(pressed, Message) else None
        await send_replies(PtbTransport(context.bot), chat_id, replies, edit_message_id=message_id)


def _username(update: Update) -> str | None:
    """The bot's @username once the Bot has met Telegram, else None."""
    try:
        return update.get_bot().username
    except RuntimeError:  # no bot attached, or getMe not done yet
        return None


async def register_commands(application: Application, texts: Catalogue) -> None:
    await register_commands_on(application.bot, texts)


def build_application(
    settings: Settings, request: BaseRequest | None = None, dialogue: Dialogue | None = None
) -> Application:
    """The PTB application for ``settings``; tests pass a recording ``request`` and no network."""
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    from bot.app import build_dialogue

    dialogue = dialogue or build_dialogue(
        settings.database_url, admin_ids=settings.admin_ids, warm_up=True, flood=FloodLimits()
    )
    transport = TelegramTransport(dialogue)
    builder = Application.builder().token(settings.telegram_token).base_url(settings.api_base_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request).updater(None)

    async def post_init(app: Application) -> None:
        await register_commands(app, dialogue.texts)

        async def send(reminder: DueReminder) -> None:
            await send_replies(PtbTransport(app.bot), reminder.user_id, [reminder.reply])

        app.bot_data["reminders"] = asyncio.create_task(
            deliver_forever(dialogue.reminders, send, tidy=partial(apply_retention, dialogue.db)),
            name="reminders",
        )

    async def post_shutdown(app: Application) -> None:
        task = app.bot_data.pop("reminders", None)
        if task is not None:
            task.cancel()

    application = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    application.bot_data["dialogue"] = dialogue
    application.add_handler(CallbackQueryHandler(transport.on_update))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, transport.on_update))
    application.add_error_handler(_log_error)
    return application


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("error while handling an update", exc_info=context.error)
