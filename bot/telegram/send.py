"""Rendering Replies as Bot API calls: text split to Telegram's limit, inline keyboards, photos
and documents, and editing the message whose button was pressed. Shared by the polling
transport and the webhook's outbox sender."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
from telegram.constants import MessageLimit
from telegram.error import BadRequest

from bot.dialogue.messages import Reply

log = logging.getLogger(__name__)

CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Awaited before every message sent to a chat (the webhook's sender paces with it).
Pace = Callable[[int], Awaitable[None]]


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


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in reply.buttons
        ]
    )


def link_preview(text: str) -> LinkPreviewOptions | None:
    """No preview for a message with several links: it would show only the first, at length."""
    return NO_PREVIEW if text.count("http://") + text.count("https://") > 1 else None


async def send_replies(
    bot: Bot,
    chat_id: int,
    replies: list[Reply],
    *,
    edit_message_id: int | None = None,
    pace: Pace = _no_pace,
) -> None:
    """Send ``replies`` in order. The first reply marked ``edit`` replaces the pressed message
    (``edit_message_id``) when it fits one message; if Telegram refuses, it is sent instead."""
    for reply in replies:
        markup = keyboard(reply)
        for file in reply.files:
            caption = utf16_prefix(reply.text, CAPTION_LIMIT) or None
            data = InputFile(file.data, filename=file.filename)
            await pace(chat_id)
            if file.is_image:
                await bot.send_photo(chat_id, data, caption=caption, reply_markup=markup)
            else:
                await bot.send_document(chat_id, data, caption=caption, reply_markup=markup)
        if reply.files:
            continue
        pieces = split_text(reply.text)
        if edit_message_id is not None and reply.edit and len(pieces) == 1:
            target, edit_message_id = edit_message_id, None
            await pace(chat_id)
            try:
                await bot.edit_message_text(
                    pieces[0],
                    chat_id=chat_id,
                    message_id=target,
                    reply_markup=markup,
                    link_preview_options=link_preview(pieces[0]),
                )
                continue
            except BadRequest as exc:  # e.g. "message is not modified" or too old to edit
                log.info("edit failed, sending instead: %s", exc.message)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            await pace(chat_id)
            await bot.send_message(
                chat_id,
                piece,
                reply_markup=markup if last else None,
                link_preview_options=link_preview(piece),
            )
