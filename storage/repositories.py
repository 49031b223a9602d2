"""Repositories: typed reads and writes inside a caller's session. They never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CursorResult,
    Insert,
    RowMapping,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage.db import WRITE_BEFORE_QUERIES
from storage.delivery import PROCESSED, ProcessedUpdateRepository
from storage.models import (
    Base,
    ContactDetails,
    DialogueState,
    FlowResult,
    Project,
    ProjectMember,
    QuestionLog,
    Reminder,
    User,
    utcnow,
)


def insert_ignoring_conflict(session: Session, model: type[Base], **values: Any) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING in the session's dialect (not executed)."""
    if session.get_bind().dialect.name == "postgresql":  # each dialect's module loaded on use
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(model).values(**values).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model).values(**values).on_conflict_do_nothing()


def insert_if_missing(session: Session, model: type[Base], **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING: safe when two first inputs of a user race."""
    session.execute(insert_ignoring_conflict(session, model, **values))


def _as_utc(moment: datetime) -> datetime:
    """An aware UTC time (a naive one is taken as UTC, as the database stores it)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


LOCK_USER = {"key_share": True}  # PostgreSQL: FOR NO KEY UPDATE (SQLite has no row locks)


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def touch(self, user_id: int, telegram_language: str | None = None) -> User:
        """The user, created on first contact and locked until the transaction ends (one input
        of a user at a time); ``last_seen`` is refreshed. The lock is PostgreSQL's FOR NO KEY
        UPDATE: it still serialises a user's inputs, but lets another input add rows that refer
        to this user (a teammate's reminder for them) without a deadlock."""
        now = utcnow()
        user = self.session.get(User, user_id, with_for_update=LOCK_USER)
        if user is None:  # first contact (two first inputs may race: the insert tolerates it)
            insert_if_missing(
                self.session,
                User,
                id=user_id,
                telegram_language=telegram_language,
                first_seen=now,
                last_seen=now,
            )
            user = self.session.get(User, user_id, with_for_update=LOCK_USER)
        assert user is not None
        user.last_seen = now
        if telegram_language and user.telegram_language != telegram_language:
            user.telegram_language = telegram_language
        return user


@dataclass
class UserRow:
    """A user's row, locked for the input being handled, as plain values (no ORM object).
    Change its fields, then ``save`` writes the changed columns in one UPDATE."""

    session: Session = field(repr=False, compare=False)
    id: int
    language: str | None
    telegram_language: str | None
    language_fixed: bool
    first_seen: datetime
    last_seen: datetime
    flood_window_start: datetime | None
    flood_count: int
    muted_until: datetime | None
    _stored: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    created: bool = field(default=False, compare=False)  # by this input (``enter``)

    def __post_init__(self) -> None:
        self._stored = {name: getattr(self, name) for name in _USER_FIELDS}

    def unsaved(self) -> dict[str, Any]:
        """The fields changed since loading (or the last save), with their new values."""
        return {
            name: getattr(self, name)
            for name in _USER_FIELDS
            if getattr(self, name) != self._stored[name]
        }

    def save(self) -> None:
        """Write the fields changed since loading (or the last ``save``); nothing if none."""
        changes = self.unsaved()
        if changes:
            connection = self.session.connection()
            connection.execute(_WRITE_USER, {**changes, "row_id": self.id})
            self._stored.update(changes)

    def save_later(self) -> None:
        """Hold the changes back: they are written by the next ``save`` (or with the dialogue
        state, ``LockedState.write``), or before the session's next ORM statement, whichever
        comes first — so any query of the input still sees them."""
        self.session.info[WRITE_BEFORE_QUERIES] = self.save


@dataclass
class LockedState:
    """A user's dialogue-state row, locked for the input being handled, as plain values (no
    ORM object: it is read and written once per input). ``write`` stores changed columns."""

    session: Session
    user_id: int
    flow: str | None
    step: str | None
    answers: dict[str, Any]
    context: dict[str, Any]
    history: list[str]
    seq: int
    paused: dict[str, Any]
    topic: str | None
    topic_at: datetime | None
    feedback_for: int | None
    version: int
    updated_at: datetime

    def write(self, changes: dict[str, Any], user: UserRow | None = None) -> None:
        """UPDATE the changed columns, bumping ``version`` as the ORM's version counter does:
        a write whose version no longer matches raises ``StaleDataError`` (nothing written).
        ``user``'s unsaved changes are written too: on PostgreSQL in the same statement."""
        if not changes:
            if user is not None:
                user.save()
            return
        now = utcnow()
        values = {**changes, "version": self.version + 1, "updated_at": now}
        where = {"row_user_id": self.user_id, "row_version": self.version}
        connection = self.session.connection()
        user_changes = user.unsaved() if user is not None else {}
        if user_changes and connection.dialect.name == "postgresql":
            assert user is not None
            statement = _write_user_and_state(tuple(user_changes), tuple(values))
            params = {_USER_VALUE + name: value for name, value in user_changes.items()}
            params |= {_STATE_VALUE + name: value for name, value in values.items()}
            params |= {**where, "user_row_id": user.id}
            result = cast(CursorResult[Any], connection.execute(statement, params))
            user._stored.update(user_changes)
        else:
            if user is not None:
                user.save()
            result = cast(CursorResult[Any], connection.execute(_WRITE_STATE, {**values, **where}))
        if result.rowcount != 1:
            raise StaleDataError("the dialogue state changed under this input")
        for name, value in changes.items():
            setattr(self, name, value)
        self.version += 1
        self.updated_at = now


# Built once (a statement's cache key is then computed once, not per input); the values come
# with each execution.
_STATE = cast(Table, DialogueState.__table__)
_LOCK_STATE = select(_STATE).where(_STATE.c.user_id == bindparam("user_id")).with_for_update()
_WRITE_STATE = update(_STATE).where(
    _STATE.c.user_id == bindparam("row_user_id"), _STATE.c.version == bindparam("row_version")
)
_USERS = cast(Table, User.__table__)
_USER_FIELDS = tuple(column.name for column in _USERS.c if column.name != "id")
_WRITE_USER = update(_USERS).where(_USERS.c.id == bindparam("row_id"))
_USER_VALUE, _STATE_VALUE = "user_value_", "state_value_"  # the merged write's parameters
_WRITES: dict[tuple[tuple[str, ...], tuple[str, ...]], Update] = {}


def _write_user_and_state(user_columns: tuple[str, ...], state_columns: tuple[str, ...]) -> Update:
    """PostgreSQL: the user's changed columns (a data-modifying CTE) and the state's (checking
    its version) in one UPDATE, its row count the state's; built once per set of columns."""
    key = (user_columns, state_columns)
    statement = _WRITES.get(key)
    if statement is None:
        user = (
            update(_USERS)
            .where(_USERS.c.id == bindparam("user_row_id"))
            .values({name: bindparam(_USER_VALUE + name) for name in user_columns})
            .cte("saved_user")
        )
        statement = _WRITES[key] = (
            update(_STATE)
            .where(
                _STATE.c.user_id == bindparam("row_user_id"),
                _STATE.c.version == bindparam("row_version"),
            )
            .values({name: bindparam(_STATE_VALUE + name) for name in state_columns})
            .add_cte(user)
        )
    return statement


_STATE_PREFIX = "state_"
# The user's row and their dialogue state in one statement; the user's row locked FOR NO KEY
# UPDATE (as ``UserRepository.touch`` locks it). That lock serialises a user's inputs, so the
# state row needs no lock of its own; its version check still refuses a stale write.
_ENTER = (
    select(_USERS, *(c.label(_STATE_PREFIX + c.name) for c in _STATE.c))
    .select_from(_USERS.outerjoin(_STATE, _STATE.c.user_id == _USERS.c.id))
    .where(_USERS.c.id == bindparam("user_id"))
    .with_for_update(of=_USERS, key_share=True)
)


_CLAIM_AND_ENTER: list[Select[Any]] = []  # built on first use (PostgreSQL's module loaded then)


def _claim_and_enter() -> Select[Any]:
    """PostgreSQL: an update's processed mark and ``_ENTER`` in one statement. The mark is
    inserted by a data-modifying CTE (``claimed``: 1 when this statement inserted it, 0 when it
    was there, after waiting for a transaction still holding it); the user's row is locked in
    a second CTE; outside them, one row always comes back (NULL columns when the user is new),
    so a first contact knows its claim too."""
    if not _CLAIM_AND_ENTER:
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        claim = (
            postgresql_insert(PROCESSED)
            .values(update_id=bindparam("update_id"), processed_at=bindparam("processed_at"))
            .on_conflict_do_nothing()
            .returning(PROCESSED.c.update_id)
            .cte("claim")
        )
        me = (
            select(_USERS)
            .where(_USERS.c.id == bindparam("user_id"))
            .with_for_update(key_share=True)
            .cte("me")
        )
        claimed = select(func.count()).select_from(claim).scalar_subquery()
        one = select(literal_column("1").label("one")).subquery("one")
        _CLAIM_AND_ENTER.append(
            select(
                claimed.label("claimed"),
                *me.c,
                *(c.label(_STATE_PREFIX + c.name) for c in _STATE.c),
            ).select_from(one.outerjoin(me, true()).outerjoin(_STATE, _STATE.c.user_id == me.c.id))
        )
    return _CLAIM_AND_ENTER[0]


def empty_state() -> dict[str, Any]:
    """A new user's dialogue state row: no flow, no answers (fresh containers each call)."""
    return {"answers": {}, "context": {}, "history": [], "seq": 0, "paused": {}, "version": 1}


_CREATIONS: dict[str, tuple[Insert, ...]] = {}  # dialect name -> statements, built on first use


def _creations(dialect: str) -> tuple[Insert, ...]:
    """A new user's row and their empty dialogue state, each inserted unless there (ON CONFLICT
    DO NOTHING: two first inputs of a user may race); on PostgreSQL in one statement (the
    user's INSERT a CTE of the state's)."""
    statements = _CREATIONS.get(dialect)
    if statements is None:
        if dialect == "postgresql":  # each dialect's module loaded on use
            from sqlalchemy.dialects import postgresql as module
        else:
            from sqlalchemy.dialects import sqlite as module  # type: ignore[no-redef]
        now: BindParameter[datetime] = bindparam("now")
        user = module.insert(_USERS).values(
            id=bindparam("user_id"),
            telegram_language=bindparam("telegram_language"),
            first_seen=now,
            last_seen=now,
        )
        state = module.insert(_STATE).values(
            user_id=bindparam("user_id"), updated_at=now, **empty_state()
        )
        user, state = user.on_conflict_do_nothing(), state.on_conflict_do_nothing()
        if dialect == "postgresql":
            statements = (state.add_cte(user.cte("new_user")),)
        else:
            statements = (user, state)
        _CREATIONS[dialect] = statements
    return statements


def enter_once(
    session: Session, update_id: int, user_id: int, telegram_language: str | None = None
) -> tuple[UserRow, LockedState] | None:
    """``enter`` for a Telegram update, claimed first: None (nothing read or locked) when
    ``update_id`` was processed already (``ProcessedUpdateRepository.claim``). On PostgreSQL
    the claim and the read are one statement."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        if not ProcessedUpdateRepository(session).claim(update_id):
            return None
        return enter(session, user_id, telegram_language)
    values = {"update_id": update_id, "processed_at": utcnow(), "user_id": user_id}
    row = connection.execute(_claim_and_enter(), values).mappings().one()
    if not row["claimed"]:
        return None
    return _entered(session, user_id, telegram_language, row if row["id"] is not None else None)


def enter(
    session: Session, user_id: int, telegram_language: str | None = None
) -> tuple[UserRow, LockedState]:
    """The user (created on first contact, ``last_seen`` and the client's language refreshed
    but not yet saved) and their dialogue state (created when missing), both read in one
    statement, the user's row locked until the transaction ends — what ``touch`` and
    ``DialogueRepository.lock`` give, with plain values instead of ORM objects."""
    row = session.connection().execute(_ENTER, {"user_id": user_id}).mappings().first()
    return _entered(session, user_id, telegram_language, row)


def _entered(
    session: Session,
    user_id: int,
    telegram_language: str | None,
    row: RowMapping | None,
) -> tuple[UserRow, LockedState]:
    """``enter``'s rows from its statement's row (None: the user is new)."""
    now = utcnow()
    connection = session.connection()
    created = row is None
    if row is None:  # first contact (two first inputs may race: the inserts tolerate it)
        values = {"user_id": user_id, "telegram_language": telegram_language, "now": now}
        for statement in _creations(connection.dialect.name):
            connection.execute(statement, values)
        row = connection.execute(_ENTER, {"user_id": user_id}).mappings().one()
    user = UserRow(session, **{c.name: row[c.name] for c in _USERS.c})
    user.created = created
    user.last_seen = now
    if telegram_language and user.telegram_language != telegram_language:
        user.telegram_language = telegram_language
    if row[_STATE_PREFIX + "user_id"] is None:  # first input (or rows from before the state)
        return user, DialogueRepository(session).lock(user_id)
    state = {c.name: row[_STATE_PREFIX + c.name] for c in _STATE.c}
    return user, LockedState(session, **state)


class DialogueRepository:
    """A user's dialogue-state row, locked for the input being handled (its typed view and the
    conversion live in ``bot.dialogue.state``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, user_id: int) -> LockedState:
        """The user's state row, locked until the transaction ends (created when missing)."""
        connection = self.session.connection()
        row = connection.execute(_LOCK_STATE, {"user_id": user_id}).mappings().one_or_none()
        if row is None:
            insert_if_missing(
                self.session,
                DialogueState,
                user_id=user_id,
                updated_at=utcnow(),
                **empty_state(),
            )
            row = connection.execute(_LOCK_STATE, {"user_id": user_id}).mappings().one()
        return LockedState(self.session, **row)


class FlowResultRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self, user_id: int, flow: str, data: dict[str, Any], project_id: int | None = None
    ) -> FlowResult:
        result = FlowResult(user_id=user_id, flow=flow, data=data, project_id=project_id)
        self.session.add(result)
        self.session.flush()
        return result

    def latest(
        self, user_id: int | None, flow: str, limit: int = 1, project_id: int | None = None
    ) -> list[FlowResult]:
        """The newest results of ``flow`` (of one project when ``project_id`` is given; of
        anyone on it when ``user_id`` is None)."""
        query = select(FlowResult).where(FlowResult.flow == flow)
        if user_id is not None:
            query = query.where(FlowResult.user_id == user_id)
        elif project_id is None:
            raise ValueError("latest() needs a user or a project")
        if project_id is not None:
            query = query.where(FlowResult.project_id == project_id)
        order = (FlowResult.created_at.desc(), FlowResult.id.desc())
        return list(self.session.scalars(query.order_by(*order).limit(limit)))


class ProjectRepository:
    """A user's projects; at most one is active (changed only under the user's row lock)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_user(self, user_id: int) -> list[Project]:
        """The user's own projects and those whose team they joined."""
        joined = select(ProjectMember.project_id).where(ProjectMember.user_id == user_id)
        query = (
            select(Project)
            .where(or_(Project.user_id == user_id, Project.id.in_(joined)))
            .order_by(Project.id)
        )
        return list(self.session.scalars(query))

    def is_active(self, user_id: int, project: Project) -> bool:
        """Whether ``project`` is the one the user's tools work on."""
        if project.user_id == user_id:
            return project.active
        member = self._joined(user_id, project.id)
        return member is not None and member.active

    def active(self, user_id: int) -> Project | None:
        query = select(Project).where(Project.user_id == user_id, Project.active.is_(True))
        own = self.session.scalars(query.limit(1)).first()
        if own is not None:
            return own
        joined = (
            select(Project)
            .join(ProjectMember, ProjectMember.project_id == Project.id)
            .where(
                ProjectMember.user_id == user_id,
                ProjectMember.active.is_(True),
                Project.user_id != user_id,
                Project.archived.is_(False),
            )
        )
        return self.session.scalars(joined.limit(1)).first()

    def get(self, user_id: int, project_id: int) -> Project | None:
        """The project, only when it belongs to ``user_id`` (its coordinator)."""
        project = self.session.get(Project, project_id)
        return project if project is not None and project.user_id == user_id else None

    def visible(self, user_id: int, project_id: int) -> Project | None:
        """The project, when ``user_id`` is its coordinator or on its team."""
        project = self.session.get(Project, project_id)
        if project is None:
            return None
        if project.user_id == user_id or self._joined(user_id, project_id) is not None:
            return project
        return None

    def _joined(self, user_id: int, project_id: int) -> ProjectMember | None:
        query = select(ProjectMember).where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user_id
        )
        return self.session.scalars(query).first()

    def add(self, user_id: int, first_name: str | None = None, **values: Any) -> Project:
        """A new project, made active; its creator is its coordinator."""
        project = Project(user_id=user_id, **values)
        self.session.add(project)
        self.session.flush()
        self.session.add(
            ProjectMember(
                project_id=project.id,
                user_id=user_id,
                role="coordinator",
                first_name=first_name[:64] if first_name else None,
            )
        )
        self.session.flush()
        self.activate(user_id, project.id)
        return project

    def activate(self, user_id: int, project_id: int) -> Project | None:
        """Make one of the user's projects (own or joined) the active one."""
        chosen = self.visible(user_id, project_id)
        if chosen is None or chosen.archived:
            return None
        for project in self.session.scalars(select(Project).where(Project.user_id == user_id)):
            project.active = project.id == project_id
        others = select(ProjectMember).where(ProjectMember.user_id == user_id)
        for member in self.session.scalars(others):
            member.active = member.project_id == project_id and chosen.user_id != user_id
        self.session.flush()
        return chosen

    def update(self, user_id: int, project_id: int, **values: Any) -> Project | None:
        """Rename a project or change its dates (only the user's own)."""
        project = self.get(user_id, project_id)
        if project is None:
            return None
        for name in ("name", "starts_on", "ends_on"):
            if name in values:
                setattr(project, name, values[name])
        self.session.flush()
        return project

    def archive(self, user_id: int, project_id: int, archived: bool = True) -> Project | None:
        """Put a project aside (it stops being active) or bring it back."""
        project = self.get(user_id, project_id)
        if project is None:
            return None
        project.archived = archived
        if archived:
            project.active = False
        self.session.flush()
        return project

    def delete(self, user_id: int, project_id: int) -> bool:
        """Delete a project with its registers, plans, calls and reminders."""
        project = self.get(user_id, project_id)
        if project is None:
            return False
        self.session.execute(delete(Reminder).where(Reminder.project_id == project_id))
        self.session.execute(delete(FlowResult).where(FlowResult.project_id == project_id))
        self.session.delete(project)
        self.session.flush()
        return True


CONTACT_FIELDS = ("institution", "person", "email", "city")
DOCUMENT_NAME = "document_name"  # the name on the user's documents ("" : they chose none)


class ContactRepository:
    """A user's contact details for calls for partners and the name on their documents (one
    row a user)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> dict[str, str]:
        """The details kept (only the fields that are set; empty when none). The document name
        is there once the user answered, "" when they chose to print none."""
        row = self.session.get(ContactDetails, user_id)
        if row is None:
            return {}
        details = {name: value for name in CONTACT_FIELDS if (value := getattr(row, name))}
        if row.document_name is not None:
            details[DOCUMENT_NAME] = row.document_name
        return details

    def save(self, user_id: int, details: dict[str, str]) -> None:
        """Keep ``details``: the contact fields given replace the stored ones; the document
        name, when given, replaces it even when empty (the user chose no name)."""
        row = self.session.get(ContactDetails, user_id)
        if row is None:
            row = ContactDetails(user_id=user_id)
            self.session.add(row)
        for name in CONTACT_FIELDS:
            if details.get(name):
                setattr(row, name, details[name])
        if DOCUMENT_NAME in details:
            row.document_name = details[DOCUMENT_NAME][:120]
        self.session.flush()


class ReminderRepository:
    """Reminders kept in the database: replaced when a plan changes, claimed once when due."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def replace(
        self,
        user_id: int,
        flow: str,
        project_id: int | None,
        reminders: list[tuple[str, datetime, dict[str, str]]],
    ) -> None:
        """The user's unsent reminders of ``flow`` on this project become ``reminders``
        (key, due time, {"lv", "en"} text). A reminder already delivered for the same key and
        due time is not added again: each is sent once, unless its date changes."""
        same_run = (
            Reminder.user_id == user_id,
            Reminder.flow == flow,
            Reminder.project_id == project_id if project_id else Reminder.project_id.is_(None),
        )
        due = [(user_id, key, due_at, text) for key, due_at, text in reminders]
        self._replace(same_run, flow, project_id, due)

    def replace_project(
        self,
        flow: str,
        project_id: int,
        reminders: list[tuple[int, str, datetime, dict[str, str]]],
    ) -> None:
        """A shared project's unsent reminders of ``flow``, whoever they are for, become
        ``reminders`` (recipient, key, due time, {"lv", "en"} text). One already delivered to
        the same person for the same key and due time is not added again."""
        same_run = (Reminder.flow == flow, Reminder.project_id == project_id)
        self._replace(same_run, flow, project_id, reminders)

    def _replace(
        self,
        same_run: tuple[ColumnElement[bool], ...],
        flow: str,
        project_id: int | None,
        reminders: list[tuple[int, str, datetime, dict[str, str]]],
    ) -> None:
        """The unsent reminders ``same_run`` selects become ``reminders``, except those already
        delivered to the same person for the same key and due time."""
        self.session.execute(delete(Reminder).where(*same_run, Reminder.sent_at.is_(None)))
        sent = {
            (row.user_id, row.key, _as_utc(row.due_at))
            for row in self.session.scalars(
                select(Reminder).where(*same_run, Reminder.sent_at.is_not(None))
            )
        }
        for user_id, key, due_at, text in reminders:
            if (user_id, key, _as_utc(due_at)) in sent:
                continue
            self.session.add(
                Reminder(
                    user_id=user_id, project_id=project_id, flow=flow, key=key, text=text,
                    due_at=due_at,
                )
            )  # fmt: skip
        self.session.flush()

    def pending(self, user_id: int) -> list[Reminder]:
        query = select(Reminder).where(Reminder.user_id == user_id, Reminder.sent_at.is_(None))
        return list(self.session.scalars(query.order_by(Reminder.due_at, Reminder.id)))

    def claim_due(
        self, now: datetime, limit: int = 100, user_id: int | None = None
    ) -> list[Reminder]:
        """Due, unsent reminders (of one user when given), marked sent in this transaction.
        On PostgreSQL locked rows are skipped, so two workers never claim the same reminder."""
        query = select(Reminder).where(Reminder.sent_at.is_(None), Reminder.due_at <= now)
        if user_id is not None:
            query = query.where(Reminder.user_id == user_id)
        query = (
            query.order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(self.session.scalars(query))
        for row in rows:
            row.sent_at = now
        self.session.flush()
        return rows


_QUESTIONS = cast(Table, QuestionLog.__table__)
_LOG_QUESTION = insert(_QUESTIONS).returning(_QUESTIONS.c.id)


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
    ) -> int:
        """Log a question (one INSERT, no ORM object); its id."""
        values = {
            "user_id": user_id,
            "question": question[:2000],
            "language": language,
            "outcome": outcome,
            "entry_id": entry_id,
            "score": score,
            "feedback": None,
            "created_at": utcnow(),
        }
        return int(self.session.connection().execute(_LOG_QUESTION, values).scalar_one())

    def set_feedback(self, log_id: int, user_id: int, feedback: int) -> bool:
        """Record 👍 (+1) or 👎 (-1); only the user who asked may rate, and only answers."""
        row = self.session.get(QuestionLog, log_id)
        if row is None or row.user_id != user_id or row.entry_id is None:
            return False
        row.feedback = feedback
        return True

    def get(self, log_id: int, user_id: int) -> QuestionLog | None:
        """One of the user's logged questions."""
        row = self.session.get(QuestionLog, log_id)
        return row if row is not None and row.user_id == user_id else None

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
                    (QuestionLog.outcome.in_(("none", "not_covered", "rejected", "looking_for")))
                    | (QuestionLog.feedback == -1)
                )
                .order_by(QuestionLog.created_at.desc(), QuestionLog.id.desc())
                .limit(limit)
            )
        )
