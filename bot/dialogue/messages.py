"""Transport-neutral messages: what goes into the dialogue core and what comes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

InputKind = Literal["command", "text", "button", "other"]
ChatType = Literal["private", "group", "supergroup", "channel"]


@dataclass(frozen=True)
class Input:
    """One thing a user did: sent a command, text, pressed a button, or sent something else.

    ``payload`` is the command line ("/digcomp quick"), the text, the button's callback data, or
    the kind of the other thing ("photo", "sticker", …). ``chat_type``: where it was written
    (anything but "private" is a shared chat: see ``bot.dialogue.shared_chats``); ``bot_username``:
    the bot's own @username when the transport knows it (for mentions and the private-chat link).
    """

    user_id: int
    chat_id: int
    kind: InputKind
    payload: str
    language_code: str | None = None
    chat_type: ChatType = "private"
    bot_username: str | None = None
    # Telegram's first name: kept only as a group's teacher name and on a project's team
    first_name: str | None = None


@dataclass(frozen=True)
class OutFile:
    """A file to send: an image is shown as a photo where the transport can. ``job`` (JSON:
    how to make it, see ``bot.dialogue.documents``) marks a file not built yet — the webhook
    builds it after the input's commit; ``data`` is empty until then."""

    filename: str
    data: bytes
    caption: str = ""
    is_image: bool = False
    job: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Button:
    """An inline button: callback ``data`` (<= 64 bytes) or an external ``url``."""

    label: str
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Reply:
    """One message to the user.

    ``edit``: may replace the message whose button was pressed. ``notice``: a short note that a
    transport may show as a pop-up answer to the button press instead of a message.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    files: tuple[OutFile, ...] = ()
    edit: bool = False
    notice: bool = False
