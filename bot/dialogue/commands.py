"""The one table of commands: name, handler, whether it is in the Telegram command menu and
whether it is for admins. The core routes with it; the Telegram command menus and ``/help``
are generated from it. A tool (flow) is a command by its id.

Adding a command: write its handler here, add a row to ``command_table`` and its description
(``commands.<name>``) to ``bot/content/texts.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.dialogue.messages import Reply
from bot.dialogue.turn import Turn
from flows.registry import FlowRegistry
from knowledge.texts import DEFAULT_LANGUAGE, Catalogue

if TYPE_CHECKING:
    from bot.dialogue.core import Dialogue

Handler = Callable[["Dialogue", Turn, str], None]


@dataclass(frozen=True)
class Command:
    """A slash command; ``handler(core, turn, args)`` answers it."""

    name: str
    handler: Handler
    in_menu: bool = True
    admin: bool = False


def _start(core: Dialogue, turn: Turn, args: str) -> None:
    if args.strip():  # a deep link's start parameter: an invite
        if turn.user.language is None:  # first contact by a link: the client's language
            code = turn.input.language_code or ""
            turn.user.language = "en" if code.startswith("en") else DEFAULT_LANGUAGE
            turn.user.save()  # at once: the invite's own queries see it
            turn.say(core.privacy.notice(turn))
        core.invites.open(turn, args.strip())
        return
    if turn.user.language is None:
        turn.say(core.language_picker(turn))
        return
    turn.say(Reply(core.t(turn, "welcome")))
    turn.say(core.privacy.notice(turn))
    turn.say(core.runner.main_menu(turn))


def _help(core: Dialogue, turn: Turn, args: str) -> None:
    turn.say(Reply(help_text(core.commands.values(), core.texts, turn.lang)))


def _language(core: Dialogue, turn: Turn, args: str) -> None:
    turn.say(core.language_picker(turn))


def _menu(core: Dialogue, turn: Turn, args: str) -> None:
    turn.say(core.runner.main_menu(turn))


def _cancel(core: Dialogue, turn: Turn, args: str) -> None:
    core.runner.pause_active(turn, announce=True)


def _projects(core: Dialogue, turn: Turn, args: str) -> None:
    turn.say(core.projects.listing(turn))


def _group(core: Dialogue, turn: Turn, args: str) -> None:
    core.groups.command(turn, args)


def _privacy(core: Dialogue, turn: Turn, args: str) -> None:
    turn.say(core.privacy.policy(turn))


def _mydata(core: Dialogue, turn: Turn, args: str) -> None:
    turn.say(core.privacy.my_data(turn))


def _forget(core: Dialogue, turn: Turn, args: str) -> None:
    turn.say(core.privacy.ask_to_forget(turn))


def _unanswered(core: Dialogue, turn: Turn, args: str) -> None:
    turn.say(core.admin.unanswered(turn))


def _stats(core: Dialogue, turn: Turn, args: str) -> None:
    turn.say(core.admin.stats(turn))


def _flow(flow_id: str) -> Handler:
    def open_flow(core: Dialogue, turn: Turn, args: str) -> None:
        core.runner.open(turn, flow_id, args.strip().lower())

    return open_flow


def command_table(flows: FlowRegistry) -> tuple[Command, ...]:
    """Every command, in the order of the command menu."""
    return (
        Command("start", _start),
        Command("menu", _menu),
        *(Command(flow.id, _flow(flow.id), in_menu=flow.in_menu) for flow in flows),
        Command("projects", _projects),
        Command("group", _group),
        Command("grupa", _group, in_menu=False),
        Command("privacy", _privacy),
        Command("help", _help),
        Command("language", _language),
        Command("cancel", _cancel),
        Command("mydata", _mydata, in_menu=False),
        Command("forget", _forget, in_menu=False),
        Command("unanswered", _unanswered, in_menu=False, admin=True),
        Command("stats", _stats, in_menu=False, admin=True),
    )


def menu_commands(commands: Iterable[Command]) -> list[str]:
    """The names shown in Telegram's command menu."""
    return [c.name for c in commands if c.in_menu and not c.admin]


def help_text(commands: Iterable[Command], texts: Catalogue, lang: str) -> str:
    """``/help``: what the bot does, then every public command with its description."""
    lines = [
        f"/{name} — {texts.text(f'commands.{name}', lang)}"
        for name in menu_commands(commands)
        if f"commands.{name}" in texts
    ]
    return "\n".join([texts.text("help.intro", lang), *lines, "", texts.text("help.footer", lang)])
