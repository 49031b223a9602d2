"""The terminal transport: a local chat on standard input and output, no token needed.

Buttons print as ``[1] label``; typing the number presses it. Files are saved under the output
directory and printed as ``[file] <path>``. When standard input is not a terminal, one input is
read a line and the program exits at the end of input, so conversations can be scripted.

On a terminal, ``run_starting`` shows the first screen (worked out by ``bot.first_screen``) and
the prompt before the dialogue core exists, and builds the core in a background thread while
the user types; the first line waits for it, so nothing typed is lost or reordered.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.dialogue.messages import Button, Input, Reply
from bot.starting import Starting

if TYPE_CHECKING:  # the core (and SQLAlchemy with it) is imported by whoever builds it
    from bot.dialogue.core import Dialogue
    from bot.dialogue.reminders import DueReminder

LOCAL_USER_ID = 1
# Shown before anyone has chosen a language: both, Latvian first.
BANNER = (
    "Ceļvedis — saruna terminālī. Sākt: /start, beigt: Ctrl-D.\n"
    "Ceļvedis — terminal chat. Start: /start, quit: Ctrl-D.\n\n"
)
OTHER_KINDS = {"/photo": "photo", "/sticker": "sticker", "/voice": "voice", "/location": "location"}


class TerminalChat:
    """Maps lines of text to Inputs and Replies to printed text."""

    def __init__(
        self,
        dialogue: Dialogue | None,
        out_dir: Path,
        *,
        user_id: int = LOCAL_USER_ID,
        output: TextIO | None = None,
        language_code: str | None = None,
        now: datetime | None = None,
        first_name: str | None = None,
    ) -> None:
        self._dialogue = dialogue  # None until ``run_starting`` has it built
        self.first_name = first_name  # what Telegram would send as the user's first name
        self.out_dir = out_dir
        self.user_id = user_id
        self.output = sys.stdout if output is None else output  # sys.stdout as it is now
        self.language_code = language_code
        self.now = now  # a fixed "now" for reminders (``--now``), to try them without waiting
        self._buttons: list[Button] = []

    @property
    def dialogue(self) -> Dialogue:
        if self._dialogue is None:
            raise RuntimeError("the dialogue core is not built yet")
        return self._dialogue

    @dialogue.setter
    def dialogue(self, dialogue: Dialogue) -> None:
        self._dialogue = dialogue

    def to_input(self, line: str) -> Input:
        text = line.rstrip("\n")
        stripped = text.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self._buttons):
            button = self._buttons[int(stripped) - 1]
            if button.data is not None:
                return self._input("button", button.data)
        if stripped in OTHER_KINDS:  # lets a script simulate what a terminal cannot send
            return self._input("other", OTHER_KINDS[stripped])
        if stripped.startswith("/") and len(stripped) > 1:
            return self._input("command", stripped)
        return self._input("text", text)

    def _input(self, kind: str, payload: str) -> Input:
        return Input(
            self.user_id,
            self.user_id,
            kind,  # type: ignore[arg-type]
            payload,
            self.language_code,
            first_name=self.first_name,
        )

    def send(self, line: str) -> list[Reply]:
        """Handle one line and print the replies."""
        replies = self.dialogue.handle(self.to_input(line))
        self.print_replies(replies)
        self.deliver_reminders()
        return replies

    def deliver_reminders(self) -> None:
        """Print this user's due reminders (checked at start and after every input)."""
        due = self.dialogue.reminders.claim_due(self.now, user_id=self.user_id)
        if due:  # printed like replies: their review buttons can be pressed by number
            self.print_replies([reminder.reply for reminder in due])

    def print_replies(self, replies: list[Reply]) -> None:
        buttons: list[Button] = []
        for reply in replies:
            if reply.text:
                prefix = "(i) " if reply.notice else ""
                self.output.write(f"{prefix}{reply.text}\n")
            for file in reply.files:
                self.output.write(f"[file] {self._save(file.filename, file.data)}\n")
            for row in reply.buttons:
                for button in row:
                    if button.url:
                        self.output.write(f"    {button.label}: {button.url}\n")
                        continue
                    buttons.append(button)
                    self.output.write(f"[{len(buttons)}] {button.label}\n")
            self.output.write("\n")
        if buttons:  # a reply without buttons keeps the previous ones usable
            self._buttons = buttons
        self.output.flush()

    def _save(self, filename: str, data: bytes) -> Path:
        directory = self.out_dir / str(self.user_id)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / Path(filename).name
        path.write_bytes(data)
        return path

    def run(self, source: TextIO | None = None) -> int:
        """Read until end of input (``sys.stdin`` by default); echo inputs from a script."""
        source = sys.stdin if source is None else source
        interactive = source.isatty()
        if isinstance(source, io.TextIOWrapper):  # bytes that are not UTF-8 become U+FFFD
            source.reconfigure(errors="replace")
        self.deliver_reminders()
        if interactive:
            self.output.write(BANNER)
            self.send("/start")
        return self._loop(source, interactive)

    def run_starting(
        self,
        build: Callable[[], Dialogue],
        first_screen: Sequence[Reply],
        source: TextIO,
    ) -> int:
        """The interactive chat started before its dialogue core exists: the banner, the first
        screen (what the core's ``/start`` gives this user, see ``bot.first_screen``) and the
        prompt at once; then ``build`` runs in a background thread, and the core answers that
        ``/start`` and claims the user's due reminders there. The first line (or the end of
        input) waits for it; whatever the core said that the first screen did not is shown
        then, before that line's answer."""
        start_input = self.to_input("/start")

        def start() -> tuple[Dialogue, list[Reply], list[DueReminder]]:
            dialogue = build()
            replies = dialogue.handle(start_input)
            return dialogue, replies, dialogue.reminders.claim_due(self.now, user_id=self.user_id)

        background = Starting(start, name="chat-start")
        self.output.write(BANNER)
        self.print_replies(list(first_screen))
        self.output.write("> ")
        self.output.flush()
        background.start()  # after the prompt: it does not hold it up
        line = source.readline()
        self._dialogue, replies, due = background.result()
        if replies != list(first_screen):  # the data changed meanwhile: the core's answer
            self.print_replies(replies)
        if due:
            self.print_replies([reminder.reply for reminder in due])
        if not line:
            return 0
        self.send(line)
        return self._loop(source, interactive=True)

    def _loop(self, source: TextIO, interactive: bool) -> int:
        while True:
            if interactive:
                self.output.write("> ")
                self.output.flush()
            line = source.readline()
            if not line:
                return 0
            if not interactive:
                self.output.write(f"> {line.rstrip()}\n")
            self.send(line)
