"""The database handle: engine per dialect, migrations at start-up, a transaction per input.

Every engine hides statement parameters from its errors (they may hold what a user typed). On
PostgreSQL every connection has a connect timeout and bounded waits: a statement runs at most
``STATEMENT_TIMEOUT_MS``, waits for a lock at most ``LOCK_TIMEOUT_MS``, and a session idle
inside a transaction for ``IDLE_IN_TRANSACTION_MS`` is ended by the server. ``is_retryable``
tells a transport which errors a retry can fix (connection lost, time-outs, lock waits).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 5_000
LOCK_TIMEOUT_MS = 3_000
IDLE_IN_TRANSACTION_MS = 150_000  # above a document build's own time-out (flows.isolation)
POOL_TIMEOUT_S = 10
PING_AFTER_IDLE_S = 5.0  # a pooled connection idle longer is checked before use
MIGRATION_STATEMENT_TIMEOUT = "10min"


class DatabaseConfigError(ValueError):
    """DATABASE_URL cannot be used; the message says why."""


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with write-locking transactions, or PostgreSQL."""
    try:
        parsed = make_url(url)
    except ArgumentError:  # its message quotes the URL, password and all
        raise DatabaseConfigError(
            "DATABASE_URL is not a database URL (sqlite:///path or postgresql+psycopg://…)"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        raise DatabaseConfigError(
            "DATABASE_URL: write postgres://… as postgresql+psycopg://… (SQLAlchemy's driver)"
        )
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseConfigError(
                    f"DATABASE_URL: cannot create the folder {folder} ({exc.strerror})"
                ) from None
        engine = _create(url, connect_args={"timeout": 30}, hide_parameters=True)
        _make_sqlite_transactions_serialise(engine)
        return engine
    if backend == "postgresql":
        options = (
            f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS} "
            f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
        )
        engine = _create(
            url,
            pool_size=5,
            max_overflow=5,
            pool_timeout=POOL_TIMEOUT_S,
            hide_parameters=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "options": options},
        )
        _ping_when_idle(engine)
        return engine
    raise DatabaseConfigError(
        f"DATABASE_URL uses '{backend}'; use sqlite:///path or postgresql+psycopg://…"
    )


def _create(url: str, **options: Any) -> Engine:
    try:
        return create_engine(url, **options)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseConfigError(f"DATABASE_URL: cannot use this URL: {exc}") from None


def _make_sqlite_transactions_serialise(engine: Engine) -> None:
    """WAL mode, foreign keys, and BEGIN IMMEDIATE so two writers never interleave.

    pysqlite's own transaction handling is switched off (the SQLAlchemy-documented recipe) so the
    write lock is taken when the transaction begins, not at its first write.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has been idle ``PING_AFTER_IDLE_S``
    (a dead one is replaced): not on every checkout, which would double the transactions.
    A connection broken sooner fails its statement; SQLAlchemy then renews the whole pool."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            dbapi_connection.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception:
            raise DisconnectionError("a pooled connection did not answer") from None


def is_retryable(exc: BaseException) -> bool:
    """True for database errors a later retry may not meet: a lost or refused connection, a
    statement or lock time-out, a deadlock or serialisation failure, an exhausted pool."""
    if isinstance(exc, PoolTimeoutError | OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def is_lock_timeout(exc: BaseException) -> bool:
    """A PostgreSQL lock wait or statement that ran out of time (SQLSTATE 55P03 or 57014)."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("55P03", "57014")


def where(url: str) -> str:
    """The database ``url`` points at, without its password (for messages)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite file {parsed.database or ':memory:'}"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.host or 'localhost'}{port}/{parsed.database or ''}"


def reason(exc: BaseException) -> str:
    """A database error's own explanation, in one short line (start-up messages only: it may
    quote values, so never for errors that happen while handling a user's input)."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    text = lines[-1] if lines else type(orig).__name__
    return text if len(text) <= 200 else text[:197] + "…"


# ``session.info`` key: a write held back until the session's next ORM statement (or until its
# owner makes it), so the statement sees it — an autoflush for rows kept as plain values.
WRITE_BEFORE_QUERIES = "write_before_queries"


def _write_before_queries(state: ORMExecuteState) -> None:
    write = state.session.info.pop(WRITE_BEFORE_QUERIES, None)
    if write is not None:
        write()


class Database:
    """Owns the engine and frames transactions; repositories work inside them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_db_engine(url)
        self.dialect = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "do_orm_execute", _write_before_queries)

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (safe to call on every start)."""
        from alembic import command  # only here: webhook workers never migrate, nor load it
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":  # a schema change may take longer than an input
                connection.exec_driver_sql(
                    f"SET LOCAL statement_timeout = '{MIGRATION_STATEMENT_TIMEOUT}'"
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back on an exception."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
