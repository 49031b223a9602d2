"""One input's working set: the user, their dialogue state and the replies built so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot.dialogue.messages import Input, Reply
from knowledge.texts import DEFAULT_LANGUAGE
from storage.models import User
from storage.repositories import DialogueSnapshot


@dataclass
class Turn:
    """Everything one input may read or change; saved together when the input is handled."""

    session: Session
    user: User
    dialogue: DialogueSnapshot
    input: Input
    replies: list[Reply] = field(default_factory=list)
    erase: bool = False  # the user confirmed /forget: erase their data instead of saving

    @property
    def lang(self) -> str:
        return self.user.language or DEFAULT_LANGUAGE

    def say(self, reply: Reply) -> None:
        self.replies.append(reply)
