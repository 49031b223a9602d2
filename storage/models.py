"""Typed SQLAlchemy models: users, their dialogue state, finished flows, projects, reminders,
the question log, the webhook's processed updates and outbox, invites, and teachers' groups."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC, so times compare correctly also where they are stored as text (SQLite)."""
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        datetime: UTCDateTime(),
    }


class User(Base):
    """A Telegram user (or a local terminal user), identified by the Telegram user id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    # True: answers always in ``language``; False: answers follow the language of the question.
    language_fixed: Mapped[bool] = mapped_column(default=False, server_default=false())
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    # Flood control: inputs counted in the current window; inputs are ignored until muted_until.
    flood_window_start: Mapped[datetime | None] = mapped_column()
    flood_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    muted_until: Mapped[datetime | None] = mapped_column()


class DialogueState(Base):
    """Where one user is in the dialogue: the active flow run (its step, the user's answers,
    the run's context), paused runs, and the topic of the last answer (for follow-ups). The
    typed view of this row is ``bot.dialogue.state.DialogueState``.

    ``version`` is SQLAlchemy's optimistic version counter: a write based on a stale read fails
    instead of silently overwriting another input's changes.
    """

    __tablename__ = "dialogue_states"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(80))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    history: Mapped[list[str]] = mapped_column(default=list)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    paused: Mapped[dict[str, Any]] = mapped_column(default=dict)
    topic: Mapped[str | None] = mapped_column(String(80))
    topic_at: Mapped[datetime | None]
    feedback_for: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class FlowResult(Base):
    """A finished flow's record (for example one DigComp self-assessment)."""

    __tablename__ = "flow_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL only for a shared project's record by someone who has since erased their data
    # (``project_id`` is then set); typed ``int`` because every per-user query filters on it.
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=True
    )
    flow: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The project a coordinator tool worked on (None for the DigComp self-assessment).
    project_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )


class Project(Base):
    """A coordinator's Erasmus+ project; every coordinator tool works on the active one."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(16))  # ka1 | ka2 | small | cove
    role: Mapped[str] = mapped_column(String(16))  # coordinator | partner
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Archived: kept (with its registers and plans) but never active, listed apart.
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactDetails(Base):
    """How a user signs what they make: the calls for partners they post (offered again in the
    next call) and the name printed on their documents (the DigComp PDF)."""

    __tablename__ = "contact_details"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    institution: Mapped[str | None] = mapped_column(String(200))
    person: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(120))
    city: Mapped[str | None] = mapped_column(String(120))
    # The name on the user's documents: None when never asked, "" when they chose none.
    document_name: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Reminder(Base):
    """A message to send a user at ``due_at`` (kept here, so a restart never loses one)."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("projects.id", ondelete="CASCADE")
    )
    flow: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40))  # what it is about, e.g. a risk item id
    text: Mapped[dict[str, Any]] = mapped_column()  # {"lv": ..., "en": ...}
    due_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuestionLog(Base):
    """A free-text question, what the matcher did with it, and the user's 👍/👎 if any.

    Unanswered and 👎 questions are what content editors review.
    """

    __tablename__ = "question_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    question: Mapped[str] = mapped_column(String(2000))
    language: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    feedback: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ProcessedUpdate(Base):
    """A Telegram update already handled: a re-sent ``update_id`` is never processed twice.

    Written in the same transaction as the update's effects, so it exists exactly when they do.
    Holds no user data.
    """

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OutboxMessage(Base):
    """The replies to one input, waiting to be sent (deleted once sent).

    Committed with the input's effects, so a worker crash after the commit loses no reply; one
    sender delivers them in ``id`` order, so each chat sees its replies in order.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    replies: Mapped[list[Any]] = mapped_column(JSON)
    callback_query_id: Mapped[str | None] = mapped_column(String(64))
    edit_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentJob(Base):
    """A document one outbox row waits for: committed with the input (never lost), built after
    the commit by a worker's document builder, sent with the row (deleted with it).

    ``recipe`` is all a builder needs to make the file again, as JSON (flow id, answers or the
    kept record, context, language, the day it was made, which of the result's files); ``state``
    is "waiting", "done" (``data`` holds the bytes) or "failed" (sent without it).
    """

    __tablename__ = "document_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    recipe: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(8), default="waiting", index=True)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    built_at: Mapped[datetime | None] = mapped_column()


class ProjectMember(Base):
    """A person working on a project: its coordinator (the creator, unless handed over), a
    member (works the registers and plans) or a viewer (reads them). ``active`` marks the
    project the member's tools work on (an owner's own projects use ``Project.active``)."""

    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))  # coordinator | member | viewer
    first_name: Mapped[str | None] = mapped_column(String(64))  # shown to the team only
    active: Mapped[bool] = mapped_column(default=False, server_default=false())
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the member last opened the project (for "since your last visit").
    seen_at: Mapped[datetime | None] = mapped_column()


class Invite(Base):
    """A shareable invite (a deep link's start parameter): ``kind`` says what it admits to
    ("group", later "project"), ``target_id`` which one. The token is random and checked here on
    every use: it expires, can be revoked and may have a use limit."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    created_by: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    revoked: Mapped[bool] = mapped_column(default=False, server_default=false())


class Group(Base):
    """A teacher's group of learners doing the DigComp self-assessment together. The teacher
    sees only the group's combined levels (``flows.groups``), never one learner's."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    teacher_name: Mapped[str | None] = mapped_column(String(64))  # shown to joining learners
    mode: Mapped[str] = mapped_column(String(8), default="quick")  # quick | full
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupMember(Base):
    """A learner who joined a group (leaving deletes the row and the learner's round entries)."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupRound(Base):
    """A round of a group ("before", "after" or a name): open until ``closed_at``."""

    __tablename__ = "group_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    # How many results counted when the round closed: a report is shown only while exactly
    # these are still there, so no two reports of one round can be compared to single anyone out.
    counted: Mapped[int | None] = mapped_column(Integer)


class RoundEntry(Base):
    """Which of a member's own results counts for a closed round (the snapshot taken when the
    round closed). It points at the learner's result; it copies nothing."""

    __tablename__ = "round_entries"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("group_rounds.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    result_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("flow_results.id", ondelete="CASCADE"), index=True
    )
