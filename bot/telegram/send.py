"""Rendering Replies as Bot API calls: text split to Telegram's limit, inline keyboards, photos
and documents, and editing the message whose button was pressed. What the calls go through is a
``Transport``: python-telegram-bot's ``Bot`` in polling mode (``bot.telegram.polling``), the
webhook's own Bot API client (``ApiTransport`` below) in the outbox sender."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot.dialogue.messages import Button, OutFile, Reply
from bot.telegram.bot_api import BadRequest, BotApi

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024  # telegram.constants.MessageLimit.CAPTION_LENGTH
TEXT_LIMIT = 4096  # telegram.constants.MessageLimit.MAX_TEXT_LENGTH
Rows = tuple[tuple[Button, ...], ...]
# Awaited before every message sent to a chat (the webhook's sender paces with it).
Pace = Callable[[int], Awaitable[None]]


class Transport(Protocol):
    """The three kinds of call a reply becomes; ``buttons`` may be empty (no keyboard)."""

    async def send_text(self, chat_id: int, text: str, buttons: Rows, no_preview: bool) -> None:
        """sendMessage."""

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, buttons: Rows, no_preview: bool
    ) -> str | None:
        """editMessageText: None when done, else why Telegram refused (a 400: send instead)."""

    async def send_file(
        self, chat_id: int, file: OutFile, caption: str | None, buttons: Rows
    ) -> None:
        """sendPhoto for an image, else sendDocument."""


async def _no_pace(chat_id: int) -> None:
    return None


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji beyond U+FFFF counts 2)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def utf16_prefix(text: str, limit: int) -> str:
    """The longest start of ``text`` within ``limit`` UTF-16 code units (never half a pair)."""
    if utf16_length(text) <= limit:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` UTF-16 code units (Telegram's measure), cut at paragraph or
    line breaks where possible."""
    pieces = []
    while utf16_length(text) > limit:
        head = utf16_prefix(text, limit)
        cut = max(head.rfind("\n\n"), head.rfind("\n"))
        cut = cut if cut > len(head) // 2 else len(head)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


def no_preview(text: str) -> bool:
    """No preview for a message with several links: it would show only the first, at length."""
    return text.count("http://") + text.count("https://") > 1


async def send_replies(
    transport: Transport,
    chat_id: int,
    replies: list[Reply],
    *,
    edit_message_id: int | None = None,
    pace: Pace = _no_pace,
) -> None:
    """Send ``replies`` in order. The first reply marked ``edit`` replaces the pressed message
    (``edit_message_id``) when it fits one message; if Telegram refuses, it is sent instead."""
    for reply in replies:
        buttons = reply.buttons
        for file in reply.files:
            caption = utf16_prefix(reply.text, CAPTION_LIMIT) or None
            await pace(chat_id)
            await transport.send_file(chat_id, file, caption, buttons)
        if reply.files:
            continue
        pieces = split_text(reply.text)
        if edit_message_id is not None and reply.edit and len(pieces) == 1:
            target, edit_message_id = edit_message_id, None
            await pace(chat_id)
            refused = await transport.edit_text(
                chat_id, target, pieces[0], buttons, no_preview(pieces[0])
            )
            if refused is None:
                continue
            # e.g. "message is not modified" or too old to edit
            log.info("edit failed, sending instead: %s", refused)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            await pace(chat_id)
            await transport.send_text(chat_id, piece, buttons if last else (), no_preview(piece))


def keyboard_json(buttons: Rows) -> dict[str, Any] | None:
    """An inline keyboard as the Bot API's ``reply_markup`` JSON (None: no keyboard)."""
    if not buttons:
        return None
    return {
        "inline_keyboard": [
            [
                {"text": b.label, "url": b.url}
                if b.url
                else {"text": b.label, "callback_data": b.data}
                for b in row
            ]
            for row in buttons
        ]
    }


class ApiTransport:
    """Replies through the webhook's own Bot API client (``bot.telegram.bot_api``)."""

    def __init__(self, api: BotApi) -> None:
        self.api = api

    async def send_text(self, chat_id: int, text: str, buttons: Rows, no_preview: bool) -> None:
        await self.api.send_message(chat_id, text, keyboard_json(buttons), no_preview=no_preview)

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, buttons: Rows, no_preview: bool
    ) -> str | None:
        try:
            await self.api.edit_message_text(
                chat_id, message_id, text, keyboard_json(buttons), no_preview=no_preview
            )
        except BadRequest as exc:
            return exc.message
        return None

    async def send_file(
        self, chat_id: int, file: OutFile, caption: str | None, buttons: Rows
    ) -> None:
        await self.api.send_file(
            chat_id,
            file.filename,
            file.data,
            photo=file.is_image,
            caption=caption,
            reply_markup=keyboard_json(buttons),
        )
