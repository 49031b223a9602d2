"""Usage figures for admins: users, flows, how often questions are answered, feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from storage.models import DialogueState, FlowResult, QuestionLog, User


@dataclass(frozen=True)
class Stats:
    users: int
    active_users: int  # seen since ``since``
    active_flows: int  # users in the middle of a flow
    completed_flows: dict[str, int]
    questions: int
    answered: int  # answered outright (not suggestions, not "I don't know")
    thumbs_up: int
    thumbs_down: int

    @property
    def hit_rate(self) -> float:
        return self.answered / self.questions if self.questions else 0.0


def collect(session: Session, since: datetime) -> Stats:
    def count(query: Select[Any]) -> int:
        return session.scalar(query) or 0

    completed = session.execute(
        select(FlowResult.flow, func.count()).group_by(FlowResult.flow).order_by(FlowResult.flow)
    ).all()
    questions = select(func.count()).select_from(QuestionLog)
    return Stats(
        users=count(select(func.count()).select_from(User)),
        active_users=count(select(func.count()).where(User.last_seen >= since)),
        active_flows=count(select(func.count()).where(DialogueState.flow.is_not(None))),
        completed_flows={flow: n for flow, n in completed},
        questions=count(questions),
        answered=count(questions.where(QuestionLog.outcome == "answer")),
        thumbs_up=count(questions.where(QuestionLog.feedback == 1)),
        thumbs_down=count(questions.where(QuestionLog.feedback == -1)),
    )
