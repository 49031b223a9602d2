"""One input's working set: the user, their dialogue state and the replies built so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot.dialogue.messages import Input, Reply
from bot.dialogue.state import DialogueState
from knowledge.texts import DEFAULT_LANGUAGE
from storage.repositories import UserRow


@dataclass
class Turn:
    """Everything one input may read or change; saved together when the input is handled."""

    session: Session
    user: UserRow
    dialogue: DialogueState
    input: Input
    replies: list[Reply] = field(default_factory=list)
    erase: bool = False  # the user confirmed /forget: erase their data instead of saving
    # Looked up at most once per input (None: not looked up yet; {} : the user has none).
    active_project: dict[str, Any] | None = None
    # The question-log id of a 👎 the previous input asked about ("what were you looking for?").
    pending_feedback: int | None = None
    # Documents are named with how to make them (``OutFile.job``), built after the commit.
    defer_documents: bool = False

    @property
    def lang(self) -> str:
        return self.user.language or DEFAULT_LANGUAGE

    def say(self, reply: Reply) -> None:
        self.replies.append(reply)
