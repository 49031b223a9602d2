"""The dialogue core: routes one Input for one user to a command, a flow or Q&A, in one transaction.

Transports call ``Dialogue.handle`` and render the returned Replies; they hold no state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.dialogue import callbacks, shared_chats
from bot.dialogue.admin import AdminDesk
from bot.dialogue.callbacks import Callback
from bot.dialogue.commands import Command, command_table
from bot.dialogue.flood import FloodLimits
from bot.dialogue.flow_runner import FlowRunner
from bot.dialogue.groups import GroupDesk
from bot.dialogue.input_text import clean_text
from bot.dialogue.invites import DEFAULT_BOT_USERNAME, InviteDesk
from bot.dialogue.messages import Button, Input, Reply
from bot.dialogue.names import NameKeeper
from bot.dialogue.privacy import PrivacyDesk
from bot.dialogue.projects import PROJECT_FLOW, ProjectDesk
from bot.dialogue.qa import QuestionAnswering
from bot.dialogue.reminders import ReminderDesk
from bot.dialogue.state import load_state, save_state
from bot.dialogue.team import TeamDesk
from bot.dialogue.turn import Turn
from flows import engine
from flows.registry import FlowRegistry
from knowledge.texts import DEFAULT_LANGUAGE, LANGUAGES, Catalogue
from storage.db import Database
from storage.delivery import ProcessedUpdateRepository
from storage.models import utcnow
from storage.privacy import erase_user
from storage.repositories import enter, enter_once

log = logging.getLogger(__name__)

MAX_TEXT = 2000  # longer messages are refused with a note (Telegram allows 4096)
# Called inside an input's transaction with its replies, just before the commit (the webhook
# writes them to its outbox there, so they are stored exactly when the input's effects are).
BeforeCommit = Callable[[Session, Input, list[Reply]], None]


class Dialogue:
    """The transport-neutral dialogue core."""

    def __init__(
        self,
        db: Database,
        flows: FlowRegistry,
        qa: QuestionAnswering,
        texts: Catalogue,
        admin_ids: frozenset[int] = frozenset(),
        flood: FloodLimits | None = None,
        bot_username: str = DEFAULT_BOT_USERNAME,
    ) -> None:
        self.db = db
        self.flows = flows
        self.qa = qa
        self.texts = texts
        self.admin_ids = admin_ids
        self.flood = flood
        # The webhook builds documents after the input's commit (document jobs), not within it.
        self.defer_documents = False
        self.admin = AdminDesk(texts, admin_ids)
        self.privacy = PrivacyDesk(texts)
        self.projects = ProjectDesk(texts, flows.get(PROJECT_FLOW))
        self.reminders = ReminderDesk(db, texts, flows)
        self.names = NameKeeper()
        self.runner = FlowRunner(flows, texts, self.projects)
        self.invites = InviteDesk(texts, bot_username)
        self.groups = GroupDesk(texts, self.invites, self.runner)
        self.team = TeamDesk(texts, self.invites)
        self.invites.openers = {  # "/start <token>" by kind
            "group": self.groups.open_invite,
            "project": self.team.open_invite,
        }
        self.commands: dict[str, Command] = {c.name: c for c in command_table(flows)}
        # The one table of button kinds (their wire format: ``callbacks.KINDS``).
        self.buttons: dict[str, Callable[[Turn, Callback], None]] = {
            "lang": lambda turn, cb: self._set_language(turn, cb.args[0]),
            "menu": lambda turn, cb: self._menu_choice(turn, cb.args[0]),
            "f": lambda turn, cb: self.runner.button(turn, cb.args[0], cb.args[1]),
            "restart": lambda turn, cb: self.runner.confirm_restart(turn, cb.args[0]),
            "redo": lambda turn, cb: self.runner.restart(turn, cb.args[0], cb.args[1]),
            "det": lambda turn, cb: self.runner.detail(turn, cb.args[0], cb.args[1]),
            "pj": lambda turn, cb: self.projects.act(turn, cb.args[0], cb.args[1], self.runner),
            "go": lambda turn, cb: self.runner.landing_action(turn, cb.args[0], cb.args[1]),
            "proj": lambda turn, cb: turn.replies.extend(self.projects.activate(turn, cb.args[0])),
            "forget": lambda turn, cb: turn.say(self.privacy.answer(turn, cb.args[0])),
            "grp": self.groups.button,
            "grpr": self.groups.round_button,
            "tm": self.team.button,
            "rv": lambda turn, cb: self.reminders.review(
                turn, cb.args[0], cb.args[1], self.runner.landing_action
            ),
            **dict.fromkeys(("kb", "more", "fb", "none"), self._qa_button),
        }
        if set(self.buttons) != set(callbacks.KINDS):
            raise RuntimeError("every button kind in callbacks.KINDS needs exactly one handler")

    # ---- entry point -------------------------------------------------------------------
    def handle(self, inp: Input) -> list[Reply]:
        """Handle one input in one transaction; the user's state row is locked meanwhile."""
        replies = self._transact(inp, None, None)
        assert replies is not None
        return replies

    def handle_update(self, inp: Input, update_id: int, before_commit: BeforeCommit) -> bool:
        """Handle a Telegram update once: False (and nothing changed) when ``update_id`` was
        already processed. The mark is committed together with the input's effects and with
        whatever ``before_commit`` writes (the webhook's outbox)."""
        return self._transact(inp, update_id, before_commit) is not None

    def _transact(
        self, inp: Input, update_id: int | None, before_commit: BeforeCommit | None
    ) -> list[Reply] | None:
        for attempt in range(3):
            try:
                with self.db.transaction() as session:
                    replies = self._handle_in(session, inp, update_id)
                    if replies is None:
                        return None  # already processed: nothing changes
                    if before_commit is not None:
                        before_commit(session, inp, replies)
                return replies
            except StaleDataError:
                self.names.forget(inp.user_id)  # its name update was rolled back too
                log.warning("concurrent update for a user; retrying (attempt %d)", attempt + 1)
            except BaseException:
                self.names.forget(inp.user_id)
                raise
        raise RuntimeError("could not save the dialogue state after 3 attempts")

    @staticmethod
    def _claim(session: Session, update_id: int) -> bool:
        return ProcessedUpdateRepository(session).claim(update_id)

    def apology(self, inp: Input) -> Reply:
        """What a transport says when handling ``inp`` failed (in the client's language)."""
        lang = "en" if (inp.language_code or "").startswith("en") else DEFAULT_LANGUAGE
        return Reply(self.texts.text("input.error", lang))

    def _handle_in(self, session: Session, inp: Input, update_id: int | None) -> list[Reply] | None:
        """The input's replies; None when ``update_id`` (a Telegram update's) was processed
        already."""
        if (shared_chat := shared_chats.outside_private(inp, self.texts)) is not None:
            if update_id is not None and not self._claim(session, update_id):
                return None
            return shared_chat  # a group or channel: nothing personal, nothing stored
        if inp.kind in ("text", "command"):
            inp = replace(inp, payload=clean_text(inp.payload))
        # The user's row (locked: one input of a user at a time) and their dialogue state, in
        # one statement (on PostgreSQL with the update's processed mark). The user's changes
        # (last seen, flood count) are saved with the state at the end (on PostgreSQL in one
        # statement), or before any query of the input that might read them.
        if update_id is None:
            user, row = enter(session, inp.user_id, inp.language_code)
        elif (entered := enter_once(session, update_id, inp.user_id, inp.language_code)) is None:
            return None
        else:
            user, row = entered
        verdict = self.flood.check(user, utcnow()) if self.flood else "ok"
        if verdict == "ignore":
            user.save()
            return []
        if verdict == "warn":
            user.save()
            seconds = int(self.flood.mute.total_seconds()) if self.flood else 0
            lang = user.language or DEFAULT_LANGUAGE
            return [Reply(self.texts.text("flood.note", lang, seconds=seconds))]
        user.save_later()
        # The name a project's team sees, kept current (written only when it changed).
        self.names.keep(session, user.id, inp.first_name, new_user=user.created)
        turn = Turn(session, user, load_state(row), inp, defer_documents=self.defer_documents)
        self._route(turn)
        if turn.erase:
            self.names.forget(user.id)
            session.flush()
            former = " / ".join(self.texts.text("team.former_name", lang) for lang in LANGUAGES)
            erase_user(session, user.id, former)
            session.expunge_all()
        else:
            save_state(row, turn.dialogue, user)
        return turn.replies

    def _route(self, turn: Turn) -> None:
        # "What were you looking for?" after a 👎 waits for the very next input only.
        turn.pending_feedback, turn.dialogue.feedback_for = turn.dialogue.feedback_for, None
        kind = turn.input.kind
        if kind == "command":
            self._command(turn)
        elif kind == "button":
            self._button(turn)
        elif kind == "text":
            self._text(turn)
        else:
            self._note(turn, "input.not_text")
            self.runner.show_active_step(turn)

    def t(self, turn: Turn, key: str, **values: object) -> str:
        return self.texts.text(key, turn.lang, **values)

    def _note(self, turn: Turn, key: str, **values: object) -> None:
        turn.say(Reply(self.t(turn, key, **values)))

    # ---- commands ----------------------------------------------------------------------
    def _command(self, turn: Turn) -> None:
        name, _, args = turn.input.payload.lstrip("/").partition(" ")
        command = self.commands.get(name.split("@", 1)[0].lower())
        if command is None:
            self._note(turn, "input.unknown_command")
        elif command.admin and turn.user.id not in self.admin_ids:
            self._note(turn, "admin.only_admins")
        else:
            command.handler(self, turn, args)

    def language_picker(self, turn: Turn) -> Reply:
        rows = [
            tuple(
                Button(self.t(turn, f"language.name_{lang}"), callbacks.encode("lang", lang))
                for lang in LANGUAGES
            )
        ]
        if turn.user.language is not None:
            mode = "follow" if turn.user.language_fixed else "fix"
            rows.append((Button(self.t(turn, f"language.{mode}"), callbacks.encode("lang", mode)),))
        return Reply(self.t(turn, "language.ask"), buttons=tuple(rows))

    # ---- buttons -----------------------------------------------------------------------
    def _button(self, turn: Turn) -> None:
        callback = callbacks.decode(turn.input.payload)
        if callback is None:
            turn.say(Reply(self.t(turn, "input.invalid_button"), notice=True))
            return
        self.buttons[callback.kind](turn, callback)

    def _set_language(self, turn: Turn, lang: str) -> None:
        if lang in ("follow", "fix") and turn.user.language is not None:
            turn.user.language_fixed = lang == "fix"
            turn.user.save()
            turn.say(Reply(self.t(turn, f"language.{lang}_set"), edit=True))
            return
        if lang not in LANGUAGES:
            turn.say(Reply(self.t(turn, "input.invalid_button"), notice=True))
            return
        first_time = turn.user.language is None
        turn.user.language = lang
        turn.user.save()  # at once: anything read later in this input sees it
        if first_time:
            turn.say(Reply(self.t(turn, "welcome"), edit=True))
            turn.say(self.privacy.notice(turn))
        else:
            turn.say(Reply(self.t(turn, "language.set"), edit=True))
        turn.say(self.runner.main_menu(turn))

    def _menu_choice(self, turn: Turn, choice: str) -> None:
        if choice == "main":
            turn.say(self.runner.main_menu(turn, edit=True))
        elif choice == "ask":
            self._note(turn, "menu.ask_hint")
        elif choice == "projects":
            turn.say(self.projects.listing(turn, edit=True))
        elif choice in self.flows:
            self.runner.open(turn, choice)
        else:
            turn.say(Reply(self.t(turn, "input.invalid_button"), notice=True))

    def _text(self, turn: Turn) -> None:
        text = turn.input.payload
        if len(text) > MAX_TEXT:
            self._note(turn, "input.too_long", length=len(text), limit=MAX_TEXT)
            self.runner.show_active_step(turn)
            return
        if turn.dialogue.active is not None:
            if self.qa.try_answer(turn, text):  # a question typed mid-tool: answered, then the
                self.runner.show_active_step(turn)  # step again, nothing lost
            else:
                self.runner.advance(turn, engine.Answer(text), from_button=False)
            return
        if not text.strip():
            self._note(turn, "input.empty")
            return
        if turn.pending_feedback is not None:
            self.qa.feedback_note(turn, turn.pending_feedback, text)
        now = utcnow()
        entry = self.qa.answer(turn, text, previous_entry=turn.dialogue.recent_topic(now))
        if entry is not None:
            turn.dialogue.remember_topic(entry, now)

    def _qa_button(self, turn: Turn, callback: Callback) -> None:
        turn.dialogue.feedback_for = self.qa.button(turn, callback)
