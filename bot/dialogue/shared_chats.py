"""Shared chats (groups, supergroups, channels): nothing personal is ever shown there.

The core asks ``outside_private`` first, before it reads or stores anything about the user. In a
private chat the answer is None and routing goes on as usual. In a shared chat the bot answers
only when addressed — a command (``/help``, ``/digcomp@<bot>``) or a message mentioning
``@<bot>`` — and then with one line and a button that opens the private chat. There is no Q&A in
groups: answers, tools, results, projects, ``/mydata``, ``/forget`` and reminders live only in
the private chat. Everything else in a group (people talking to each other, photos, commands
for other bots) is ignored, and a button pressed in a group gets the same line as a pop-up that
only the person who pressed it sees.
"""

from __future__ import annotations

from bot.dialogue.messages import Button, Input, Reply
from knowledge.texts import DEFAULT_LANGUAGE, Catalogue

PRIVATE_CHAT_URL = "https://t.me/{username}"


def outside_private(inp: Input, texts: Catalogue) -> list[Reply] | None:
    """None in a private chat; otherwise the (possibly empty) replies allowed in a shared chat."""
    if inp.chat_type == "private":
        return None
    if inp.chat_type == "channel":
        return []
    if inp.kind == "button":
        return [Reply(_line(inp, texts), notice=True)]
    if not _addressed(inp):
        return []
    button = _private_chat_button(inp, texts)
    return [Reply(_line(inp, texts), buttons=((button,),) if button else ())]


def _addressed(inp: Input) -> bool:
    """A command for this bot (or for any bot, when it is not named), or a mention of it."""
    me = (inp.bot_username or "").lower()
    if inp.kind == "command":
        word = inp.payload.split(maxsplit=1)[0] if inp.payload.strip() else ""
        _, at, target = word.partition("@")
        return not at or (bool(me) and target.lower() == me)
    if inp.kind == "text":
        return bool(me) and f"@{me}" in inp.payload.lower()
    return False


def _lang(inp: Input) -> str:
    return "en" if (inp.language_code or "").lower().startswith("en") else DEFAULT_LANGUAGE


def _line(inp: Input, texts: Catalogue) -> str:
    return texts.text("group.private_only", _lang(inp))


def _private_chat_button(inp: Input, texts: Catalogue) -> Button | None:
    if not inp.bot_username:
        return None
    url = PRIVATE_CHAT_URL.format(username=inp.bot_username)
    return Button(texts.text("group.open_private", _lang(inp)), url=url)
