"""The command menu Telegram shows (``setMyCommands``), through python-telegram-bot's ``Bot``:
used by polling and ``set-webhook``, never by a webhook worker."""

from __future__ import annotations

from telegram import Bot, BotCommand

from bot.dialogue.commands import command_table, menu_commands
from flows.registry import FlowRegistry, default_registry
from knowledge.texts import Catalogue


async def register_commands_on(
    bot: Bot, texts: Catalogue, flows: FlowRegistry | None = None
) -> None:
    """The command menu (from the core's command table) in Latvian (for Latvian clients) and
    English (for everyone else)."""
    names = menu_commands(command_table(flows or default_registry()))
    for lang, code in (("lv", "lv"), ("en", None)):
        commands = [BotCommand(c, texts.text(f"commands.{c}", lang)) for c in names]
        await bot.set_my_commands(commands, language_code=code)
