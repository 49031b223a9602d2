"""Small helpers for driving the dialogue core in tests."""

from __future__ import annotations

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Button, Input, Reply

USER = 4242


def send(dialogue: Dialogue, kind: str, payload: str, user: int = USER) -> list[Reply]:
    return dialogue.handle(Input(user, user, kind, payload, "lv"))  # type: ignore[arg-type]


def buttons(replies: list[Reply]) -> list[Button]:
    return [b for r in replies for row in r.buttons for b in row]


def press(
    dialogue: Dialogue, replies: list[Reply], label_part: str, user: int = USER
) -> list[Reply]:
    """Press the first button whose label contains ``label_part``."""
    for button in buttons(replies):
        if label_part in button.label and button.data:
            return send(dialogue, "button", button.data, user)
    raise AssertionError(f"no button with {label_part!r} in {[b.label for b in buttons(replies)]}")


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def tap(dialogue: Dialogue, replies: list[Reply], label: str, user: int = USER) -> list[Reply]:
    """Press the button labelled exactly ``label``."""
    for button in buttons(replies):
        if button.label == label and button.data:
            return send(dialogue, "button", button.data, user)
    raise AssertionError(f"no button {label!r} in {[b.label for b in buttons(replies)]}")


def tap_option(dialogue: Dialogue, replies: list[Reply], option: str) -> list[Reply]:
    """Press the flow button whose option id is ``option``."""
    for button in buttons(replies):
        if button.data and button.data.endswith(f":{option}"):
            return send(dialogue, "button", button.data)
    raise AssertionError(f"no option {option!r}")
