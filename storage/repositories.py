"""Repositories: typed reads and writes inside a caller's session. They never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Base, DialogueState, FlowResult, QuestionLog, User, utcnow


def insert_if_missing(session: Session, model: type[Base], **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING: safe when two first inputs of a user race."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement: Insert = module.insert(model).values(**values).on_conflict_do_nothing()
    session.execute(statement)


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def touch(self, user_id: int, telegram_language: str | None = None) -> User:
        """The user, created on first contact; ``last_seen`` is refreshed."""
        now = utcnow()
        insert_if_missing(
            self.session,
            User,
            id=user_id,
            telegram_language=telegram_language,
            first_seen=now,
            last_seen=now,
        )
        user = self.session.get(User, user_id)
        assert user is not None
        user.last_seen = now
        if telegram_language:
            user.telegram_language = telegram_language
        return user


@dataclass
class DialogueSnapshot:
    """A plain copy of a user's dialogue state: the dialogue core works on this, not the row."""

    flow: str | None = None
    state: dict[str, Any] | None = None
    paused: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_seq: int = 0  # the highest button sequence number handed out, kept between flows


class DialogueRepository:
    """Loads a user's dialogue state with a row lock, and saves it back."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, user_id: int) -> DialogueState:
        """The user's state row, locked until the transaction ends (created when missing)."""
        insert_if_missing(
            self.session,
            DialogueState,
            user_id=user_id,
            answers={},
            history=[],
            seq=0,
            paused={},
            version=1,
            updated_at=utcnow(),
        )
        return self.session.scalars(
            select(DialogueState)
            .where(DialogueState.user_id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()

    @staticmethod
    def snapshot(row: DialogueState) -> DialogueSnapshot:
        state = None
        if row.flow:
            state = {
                "flow": row.flow,
                "step": row.step,
                "answers": dict(row.answers or {}),
                "history": list(row.history or []),
                "seq": row.seq,
            }
        return DialogueSnapshot(
            flow=row.flow, state=state, paused=dict(row.paused or {}), last_seq=row.seq or 0
        )

    @staticmethod
    def apply(row: DialogueState, snapshot: DialogueSnapshot) -> None:
        """Write a snapshot back onto the locked row (only what changed is updated)."""
        state = snapshot.state or {}
        values = {
            "flow": snapshot.flow,
            "step": state.get("step"),
            "answers": state.get("answers", {}),
            "history": state.get("history", []),
            "seq": state.get("seq", snapshot.last_seq),
            "paused": snapshot.paused,
        }
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)


class FlowResultRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user_id: int, flow: str, data: dict[str, Any]) -> FlowResult:
        result = FlowResult(user_id=user_id, flow=flow, data=data)
        self.session.add(result)
        self.session.flush()
        return result

    def latest(self, user_id: int, flow: str, limit: int = 1) -> list[FlowResult]:
        return list(
            self.session.scalars(
                select(FlowResult)
                .where(FlowResult.user_id == user_id, FlowResult.flow == flow)
                .order_by(FlowResult.created_at.desc(), FlowResult.id.desc())
                .limit(limit)
            )
        )


class QuestionLogRepository:
    """Free-text questions with the matcher's verdict and the user's feedback."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        user_id: int | None,
        question: str,
        language: str,
        outcome: str,
        entry_id: str | None,
        score: float,
    ) -> QuestionLog:
        row = QuestionLog(
            user_id=user_id,
            question=question[:2000],
            language=language,
            outcome=outcome,
            entry_id=entry_id,
            score=score,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def set_feedback(self, log_id: int, user_id: int, feedback: int) -> bool:
        """Record 👍 (+1) or 👎 (-1); only the user who asked may rate, and only answers."""
        row = self.session.get(QuestionLog, log_id)
        if row is None or row.user_id != user_id or row.entry_id is None:
            return False
        row.feedback = feedback
        return True

    def mark_unanswered(self, log_id: int, user_id: int) -> bool:
        """ "None of these": the suggestions did not help."""
        row = self.session.get(QuestionLog, log_id)
        if row is None or row.user_id != user_id:
            return False
        row.outcome = "rejected"
        return True

    def for_review(self, limit: int = 30) -> list[QuestionLog]:
        """Recent questions editors should look at: unanswered, rejected suggestions, 👎."""
        return list(
            self.session.scalars(
                select(QuestionLog)
                .where(
                    (QuestionLog.outcome.in_(("none", "rejected"))) | (QuestionLog.feedback == -1)
                )
                .order_by(QuestionLog.created_at.desc(), QuestionLog.id.desc())
                .limit(limit)
            )
        )
