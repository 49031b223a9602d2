"""Telegram updates -> Inputs, and the command menu; no ``telegram.ext`` (the webhook workers
do not load the polling framework)."""

from __future__ import annotations

import re
from functools import partial
from typing import Any, cast

from telegram import Bot, BotCommand, Update
from telegram.constants import MessageEntityType

from bot.dialogue.commands import command_table, menu_commands
from bot.dialogue.messages import ChatType, Input
from flows.registry import FlowRegistry, default_registry
from knowledge.texts import Catalogue

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
LANGUAGE_CODE_MAX = 16  # users.telegram_language
_NOT_LANGUAGE = re.compile(r"[^A-Za-z0-9_-]")
CHAT_TYPES = ("private", "group", "supergroup", "channel")
OTHER_KINDS = (
    "photo", "sticker", "voice", "video", "video_note", "audio", "document", "location",
    "contact", "animation", "poll", "venue", "dice",
)  # fmt: skip


def to_input(update: Update, bot_username: str | None = None) -> Input | None:
    """The Input for an update, or None for updates the bot ignores: channel posts, edits,
    messages from bots (or sent on behalf of a chat), and forwarded messages in shared chats.

    ``bot_username`` is the fallback for the bot's @username when the Bot has not met Telegram
    yet (``getMe``); groups need it for mentions and the private-chat link.
    """
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    chat_type = chat.type if chat.type in CHAT_TYPES else "group"  # unknown: treat as shared
    make = partial(
        Input,
        language_code=clean_language_code(user.language_code),
        chat_type=cast(ChatType, chat_type),
        bot_username=_username(update) or bot_username,
        first_name=user.first_name or None,  # with every input: a team sees it kept current
    )
    if update.callback_query is not None:
        return make(user.id, chat.id, "button", update.callback_query.data or "")
    message = update.message
    if message is None or message.sender_chat is not None:
        return None
    if message.forward_origin is not None:
        if chat_type != "private":
            return None
        return make(user.id, chat.id, "other", "forwarded")  # content never read
    if message.text is not None:
        entities = message.entities or ()
        if (
            entities
            and entities[0].type == MessageEntityType.BOT_COMMAND
            and entities[0].offset == 0
        ):
            return make(user.id, chat.id, "command", message.text)
        return make(user.id, chat.id, "text", message.text)
    kind = next((k for k in OTHER_KINDS if getattr(message, k, None)), "other")
    return make(user.id, chat.id, "other", kind)


def clean_language_code(code: str | None) -> str | None:
    """A client's language code as something storable: letters, digits, ``-`` and ``_`` only,
    at most ``LANGUAGE_CODE_MAX`` characters (a NUL, a lone surrogate or a novel is dropped)."""
    if not code:
        return None
    cleaned = _NOT_LANGUAGE.sub("", code)[:LANGUAGE_CODE_MAX]
    return cleaned or None


def out_of_range(payload: Any, depth: int = 0) -> bool:
    """True when any whole number in an update's JSON cannot be stored (signed 64 bits), or
    the JSON nests absurdly deep: such an update is acknowledged and dropped."""
    if depth > 32:
        return True
    if isinstance(payload, bool):
        return False
    if isinstance(payload, int):
        return not INT64_MIN <= payload <= INT64_MAX
    if isinstance(payload, dict):
        return any(out_of_range(v, depth + 1) for v in payload.values())
    if isinstance(payload, list):
        return any(out_of_range(v, depth + 1) for v in payload)
    return False


def _username(update: Update) -> str | None:
    """The bot's @username once the Bot has met Telegram, else None."""
    try:
        return update.get_bot().username
    except RuntimeError:  # no bot attached, or getMe not done yet
        return None


async def register_commands_on(
    bot: Bot, texts: Catalogue, flows: FlowRegistry | None = None
) -> None:
    """The command menu (from the core's command table) in Latvian (for Latvian clients) and
    English (for everyone else)."""
    names = menu_commands(command_table(flows or default_registry()))
    for lang, code in (("lv", "lv"), ("en", None)):
        commands = [BotCommand(c, texts.text(f"commands.{c}", lang)) for c in names]
        await bot.set_my_commands(commands, language_code=code)
