"""The user's data rights in chat: /privacy (what is kept and why), /mydata (all of it as a JSON
file) and /forget (erase everything, after a confirmation)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from bot.dialogue import callbacks
from bot.dialogue.messages import Button, OutFile, Reply
from bot.dialogue.turn import Turn
from knowledge.texts import Catalogue
from storage.privacy import export_user
from storage.team import departures

QUESTION_RETENTION_DAYS = 90  # questions kept for editors lose their user link after this
FORGET_VALID_MINUTES = 10  # a /forget confirmation older than this is a stale button


class PrivacyDesk:
    def __init__(self, texts: Catalogue, retention_days: int = QUESTION_RETENTION_DAYS) -> None:
        self.texts = texts
        self.retention_days = retention_days

    def notice(self, turn: Turn) -> Reply:
        return Reply(self.texts.text("privacy.notice", turn.lang))

    def policy(self, turn: Turn) -> Reply:
        return Reply(self.texts.text("privacy.full", turn.lang, days=self.retention_days))

    def my_data(self, turn: Turn) -> Reply:
        turn.session.flush()  # include this input's own changes (last seen, language)
        data = export_user(turn.session, turn.user.id)
        rows = sum(len(table) for table in data.values())
        document = {
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "user_id": turn.user.id,
            "tables": data,
        }
        payload = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        caption = self.texts.text("privacy.mydata", turn.lang, rows=rows)
        file = OutFile(f"celvedis-my-data-{turn.user.id}.json", payload)
        return Reply(caption, files=(file,))

    def ask_to_forget(self, turn: Turn) -> Reply:
        row = tuple(
            Button(
                self.texts.text(f"privacy.forget_{choice}", turn.lang),
                callbacks.encode("forget", f"{choice}.{_minute()}"),
            )
            for choice in ("yes", "no")
        )
        text = self.texts.text("privacy.forget_confirm", turn.lang)
        return Reply("\n\n".join([text, *self._projects(turn)]), buttons=(row,))

    def _projects(self, turn: Turn) -> list[str]:
        """What erasing will do to each shared project (said before the confirmation)."""
        lines = []
        for gone in departures(turn.session, turn.user.id):
            if gone.outcome == "deleted":
                continue  # a project of one's own with no team: covered by the question itself
            name = gone.successor or self.texts.text("team.no_name", turn.lang)
            key = f"privacy.forget_{gone.outcome}"
            lines.append(self.texts.text(key, turn.lang, project=gone.project, name=name))
        return lines

    def answer(self, turn: Turn, pressed: str) -> Reply:
        """The confirmation's answer; "yes" marks the turn so the core erases the user's data.
        A button from an earlier confirmation (older than ``FORGET_VALID_MINUTES``, or from
        before buttons carried their minute) is stale and changes nothing."""
        choice, _, minute = pressed.partition(".")
        if not minute.isdigit() or not 0 <= _minute() - int(minute) <= FORGET_VALID_MINUTES:
            return Reply(self.texts.text("input.invalid_button", turn.lang), notice=True)
        if choice == "yes":
            turn.erase = True
            return Reply(self.texts.text("privacy.forgotten", turn.lang), edit=True)
        if choice == "no":
            return Reply(self.texts.text("privacy.kept", turn.lang), edit=True)
        return Reply(self.texts.text("input.invalid_button", turn.lang), notice=True)


def _minute() -> int:
    """Minutes since the epoch: when a confirmation was shown."""
    return int(time.time() // 60)
