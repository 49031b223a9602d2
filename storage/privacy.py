"""A user's data rights: everything stored about them (export), erasing it, and retention."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from storage.models import (
    Base,
    ContactDetails,
    DialogueState,
    FlowResult,
    Group,
    GroupMember,
    Invite,
    OutboxMessage,
    Project,
    ProjectMember,
    QuestionLog,
    Reminder,
    RoundEntry,
    User,
)
from storage.team import leave_every_team

# Every table holding something about a user, with the columns that point at the user.
# A test checks that every table with a user or chat column is listed here.
USER_TABLES: tuple[tuple[type[Base], tuple[str, ...]], ...] = (
    (User, ("id",)),
    (DialogueState, ("user_id",)),
    (Project, ("user_id",)),
    # Shared projects: the teams the user is on (a coordinator's own projects and their teams
    # go with the projects above).
    (ProjectMember, ("user_id",)),
    (ContactDetails, ("user_id",)),
    (FlowResult, ("user_id",)),
    (Reminder, ("user_id",)),
    (QuestionLog, ("user_id",)),
    (OutboxMessage, ("user_id", "chat_id")),
    # Groups: a teacher's own groups (their rounds and memberships go with them), the groups a
    # learner joined, which of their results count for a closed round, the invites they made.
    (Group, ("owner_id",)),
    (GroupMember, ("user_id",)),
    (RoundEntry, ("user_id",)),
    (Invite, ("created_by",)),
)
SKIPPED_COLUMNS = {"replies"}  # outbox payloads may hold files; their texts are exported


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(row: Base) -> dict[str, Any]:
    return {
        column.key: _plain(getattr(row, column.key))
        for column in row.__table__.columns
        if column.key not in SKIPPED_COLUMNS
    }


def _owned_by(model: type[Base], columns: tuple[str, ...], user_id: int) -> Any:
    return or_(*(getattr(model, column) == user_id for column in columns))


def export_user(session: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about ``user_id``, table by table, as JSON-ready dictionaries."""
    data: dict[str, list[dict[str, Any]]] = {}
    for model, columns in USER_TABLES:
        rows = session.scalars(select(model).where(_owned_by(model, columns, user_id))).all()
        data[model.__tablename__] = [_row(row) for row in rows]
        if model is OutboxMessage:
            for row, exported in zip(rows, data[model.__tablename__], strict=True):
                replies = cast(OutboxMessage, row).replies
                exported["texts"] = [reply.get("text", "") for reply in replies]
        if model is ProjectMember:  # the projects by name, not only by number
            for row, exported in zip(rows, data[model.__tablename__], strict=True):
                project = session.get(Project, cast(ProjectMember, row).project_id)
                exported["project_name"] = project.name if project is not None else None
        if model is GroupMember:  # the learner's groups by name, not only by number
            for row, exported in zip(rows, data[model.__tablename__], strict=True):
                group = session.get(Group, cast(GroupMember, row).group_id)
                exported["group_name"] = group.name if group is not None else None
    return data


def erase_user(session: Session, user_id: int, former: str = "former member") -> int:
    """Delete every row about ``user_id`` (children first); returns how many were deleted.
    Projects with a team pass to it first (``storage.team.leave_every_team``; ``former`` is
    what shared records then call the user)."""
    leave_every_team(session, user_id, former)
    deleted = 0
    for model, columns in reversed(USER_TABLES):
        statement = delete(model).where(_owned_by(model, columns, user_id))
        deleted += cast(CursorResult[Any], session.execute(statement)).rowcount or 0
    return deleted


def unlink_old_questions(session: Session, cutoff: datetime) -> int:
    """Questions kept for editors lose their link to the asker once older than ``cutoff``."""
    statement = (
        update(QuestionLog)
        .where(QuestionLog.created_at < cutoff, QuestionLog.user_id.is_not(None))
        .values(user_id=None)
    )
    return cast(CursorResult[Any], session.execute(statement)).rowcount or 0
