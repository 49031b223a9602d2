"""The command table: routing, the Telegram menu and /help all come from it."""

from __future__ import annotations

from bot.app import load_texts
from bot.dialogue.commands import command_table, help_text, menu_commands
from bot.dialogue.core import Dialogue
from flows.registry import default_registry
from tests.bot.helpers import send, text_of


def test_the_menu_comes_from_the_table_with_every_tool_and_no_admin_command() -> None:
    names = menu_commands(command_table(default_registry()))
    assert names[:2] == ["start", "menu"]
    assert {"digcomp", "risks", "partners", "sustainability", "help", "cancel"} <= set(names)
    assert not {"stats", "unanswered", "project", "mydata"} & set(names)
    texts = load_texts()
    assert all(f"commands.{name}" in texts for name in names)


def test_help_lists_every_menu_command_in_both_languages() -> None:
    table = command_table(default_registry())
    texts = load_texts()
    for lang in ("lv", "en"):
        shown = help_text(table, texts, lang)
        for name in menu_commands(table):
            assert f"/{name} — " in shown
        assert "/stats" not in shown


def test_every_command_in_the_table_answers(dialogue: Dialogue) -> None:
    send(dialogue, "button", "lang:en")
    for command in dialogue.commands.values():
        replies = send(dialogue, "command", f"/{command.name}")
        assert replies and text_of(replies), command.name
    assert "administrators" in text_of(send(dialogue, "command", "/stats"))
