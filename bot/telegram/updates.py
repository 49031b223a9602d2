"""Telegram updates -> Inputs, and the command menu; no ``telegram.ext`` (the webhook workers
do not load the polling framework)."""

from __future__ import annotations

from telegram import Bot, BotCommand, Update
from telegram.constants import MessageEntityType

from bot.dialogue.commands import command_table, menu_commands
from bot.dialogue.messages import Input
from flows.registry import FlowRegistry, default_registry
from knowledge.texts import Catalogue

OTHER_KINDS = (
    "photo", "sticker", "voice", "video", "video_note", "audio", "document", "location",
    "contact", "animation", "poll", "venue", "dice",
)  # fmt: skip


def to_input(update: Update) -> Input | None:
    """The Input for an update, or None for updates the bot ignores (channel posts, edits…)."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    lang = user.language_code
    if update.callback_query is not None:
        return Input(user.id, chat.id, "button", update.callback_query.data or "", lang)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        entities = message.entities or ()
        if (
            entities
            and entities[0].type == MessageEntityType.BOT_COMMAND
            and entities[0].offset == 0
        ):
            # the first name rides along with commands only (a group keeps its teacher's)
            return Input(user.id, chat.id, "command", message.text, lang, user.first_name)
        return Input(user.id, chat.id, "text", message.text, lang)
    kind = next((k for k in OTHER_KINDS if getattr(message, k, None)), "other")
    return Input(user.id, chat.id, "other", kind, lang)


async def register_commands_on(
    bot: Bot, texts: Catalogue, flows: FlowRegistry | None = None
) -> None:
    """The command menu (from the core's command table) in Latvian (for Latvian clients) and
    English (for everyone else)."""
    names = menu_commands(command_table(flows or default_registry()))
    for lang, code in (("lv", "lv"), ("en", None)):
        commands = [BotCommand(c, texts.text(f"commands.{c}", lang)) for c in names]
        await bot.set_my_commands(commands, language_code=code)
