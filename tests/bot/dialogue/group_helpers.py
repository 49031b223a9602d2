"""Driving a teacher and learners through the dialogue core for the group tests."""

from __future__ import annotations

import re

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Input, Reply
from tests.bot.helpers import buttons, text_of

TOKEN = re.compile(r"\?start=([A-Za-z0-9_-]+)")


class Person:
    """One user (by id) speaking one language; keeps the last replies for pressing buttons."""

    def __init__(self, core: Dialogue, user: int, lang: str = "lv") -> None:
        self.core, self.user, self.lang = core, user, lang
        self.last: list[Reply] = []

    def send(self, kind: str, payload: str) -> list[Reply]:
        inp = Input(self.user, self.user, kind, payload, self.lang, first_name=f"Name{self.user}")  # type: ignore[arg-type]
        self.last = self.core.handle(inp)
        return self.last

    def command(self, line: str) -> list[Reply]:
        return self.send("command", line)

    def press(self, label_part: str) -> list[Reply]:
        for button in buttons(self.last):
            if label_part in button.label and button.data:
                return self.send("button", button.data)
        labels = [b.label for b in buttons(self.last)]
        raise AssertionError(f"no button with {label_part!r} in {labels}")

    def text(self) -> str:
        return text_of(self.last)

    def start(self) -> None:
        """First contact: /start and the language."""
        self.command("/start")
        self.press("Latviešu" if self.lang == "lv" else "English")

    def rate_all(self, rating: int | list[int]) -> list[Reply]:
        """Answer every quick-mode question (one rating, or one per competence)."""
        ratings = rating if isinstance(rating, list) else [rating] * 21
        for value in ratings:
            data = next(
                b.data for b in buttons(self.last) if b.data and b.data.endswith(f":{value}")
            )
            self.send("button", data)
        return self.last


def teacher_with_group(core: Dialogue, user: int = 100, lang: str = "lv") -> tuple[Person, str]:
    """A teacher who created a group; returns the teacher and the invite token."""
    teacher = Person(core, user, lang)
    teacher.start()
    word = "jauna" if lang == "lv" else "new"
    teacher.command(f"/grupa {word} 3.B mehatroniķi 01.03.2027–14.03.2027")
    match = TOKEN.search(teacher.text())
    assert match, teacher.text()
    return teacher, match[1]


def open_card(teacher: Person) -> list[Reply]:
    teacher.command("/group")
    return teacher.press("👥")


def learner_joins(core: Dialogue, user: int, token: str, lang: str) -> Person:
    learner = Person(core, user, lang)
    learner.command(f"/start {token}")
    learner.press("✅")
    return learner
