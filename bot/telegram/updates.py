"""Telegram updates -> Inputs, read from the update's plain JSON (a dict), so the webhook
workers never load python-telegram-bot; polling passes ``Update.to_dict()`` to the same
function."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any, cast

from bot.dialogue.messages import ChatType, Input

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
LANGUAGE_CODE_MAX = 16  # users.telegram_language
_NOT_LANGUAGE = re.compile(r"[^A-Za-z0-9_-]")
CHAT_TYPES = ("private", "group", "supergroup", "channel")
OTHER_KINDS = (
    "photo", "sticker", "voice", "video", "video_note", "audio", "document", "location",
    "contact", "animation", "poll", "venue", "dice",
)  # fmt: skip
BOT_COMMAND = "bot_command"  # a MessageEntity's type


class NotAnUpdate(ValueError):
    """A part of the update the bot reads is missing or of the wrong type."""


def to_input(update: Mapping[str, Any], bot_username: str | None = None) -> Input | None:
    """The Input for an update (its JSON as a dict), or None for updates the bot ignores:
    channel posts, edits, messages from bots (or sent on behalf of a chat), and forwarded
    messages in shared chats. Raises ``NotAnUpdate`` when a part it reads is malformed.

    ``bot_username`` is the bot's @username (groups need it for mentions and the private-chat
    link); the update itself does not carry it.
    """
    message = _part(update, "message")
    query = _part(update, "callback_query")
    # whom and where, as python-telegram-bot's effective_user and effective_chat
    if message is not None:
        user, chat = _part(message, "from"), _part(message, "chat", required=True)
    elif query is not None:
        pressed_on = _part(query, "message")
        user = _part(query, "from", required=True)
        chat = _part(pressed_on, "chat", required=True) if pressed_on is not None else None
    else:
        return None
    if user is None or chat is None or _field(user, "is_bot", bool, required=True):
        return None
    user_id = _field(user, "id", int, required=True)
    chat_id = _field(chat, "id", int, required=True)
    kind = _field(chat, "type", str, required=True)
    chat_type = kind if kind in CHAT_TYPES else "group"  # unknown: treat as shared
    make = partial(
        Input,
        user_id,
        chat_id,
        language_code=clean_language_code(_field(user, "language_code", str)),
        chat_type=cast(ChatType, chat_type),
        bot_username=bot_username,
        first_name=_field(user, "first_name", str) or None,  # a team sees it kept current
    )
    if query is not None:
        return make("button", _field(query, "data", str) or "")
    if message is None or message.get("sender_chat") is not None:
        return None
    if message.get("forward_origin") is not None:
        if chat_type != "private":
            return None
        return make("other", "forwarded")  # content never read
    text = _field(message, "text", str)
    if text is not None:
        return make("command" if _starts_with_command(message) else "text", text)
    kind = next((k for k in OTHER_KINDS if message.get(k)), "other")
    return make("other", kind)


def callback_query_id(update: Mapping[str, Any]) -> str | None:
    """The id of the button press an update carries (to answer it), if any."""
    query = _part(update, "callback_query")
    return _field(query, "id", str, required=True) if query is not None else None


def pressed_message_id(update: Mapping[str, Any]) -> int | None:
    """The id of the message whose button was pressed (to edit it in place), if any."""
    query = _part(update, "callback_query")
    message = _part(query, "message") if query is not None else None
    return _field(message, "message_id", int, required=True) if message is not None else None


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


def _starts_with_command(message: Mapping[str, Any]) -> bool:
    """Whether the message's first entity is a bot command at its very start."""
    entities = message.get("entities")
    if not entities:
        return False
    if not isinstance(entities, list) or not isinstance(entities[0], Mapping):
        raise NotAnUpdate("entities")
    first = entities[0]
    return (
        _field(first, "type", str, required=True) == BOT_COMMAND
        and _field(first, "offset", int, required=True) == 0
    )


def _part(data: Mapping[str, Any], key: str, *, required: bool = False) -> Mapping[str, Any] | None:
    """The object at ``key``, or None when absent (``NotAnUpdate`` when required or not an
    object)."""
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, Mapping):
        raise NotAnUpdate(key)
    return value


def _field(data: Mapping[str, Any], key: str, kind: type[Any], *, required: bool = False) -> Any:
    """The value at ``key`` if it is a ``kind`` (None when absent and not required)."""
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise NotAnUpdate(key)
    return value
