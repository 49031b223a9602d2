"""The database handle under faults: hidden parameters, bounded waits, a connect time-out, and
which errors a retry can fix."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from storage.db import CONNECT_TIMEOUT_S, Database, is_lock_timeout, is_retryable
from tests.conftest import POSTGRES_URL
from tests.support.tcp_proxy import TcpProxy

MARKER = "Zilonisdegustē"  # what a user might have typed
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
HANG = 120.0  # seconds: a ceiling that matters only when the bound under test is gone


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def test_statement_parameters_are_hidden_from_errors(db: Database) -> None:
    with pytest.raises(DBAPIError) as caught, db.transaction() as session:
        session.execute(text("INSERT INTO no_such_table (q) VALUES (:q)"), {"q": MARKER})
    assert MARKER not in str(caught.value)
    assert "parameters hidden" in str(caught.value)
    assert not is_retryable(caught.value) or db.dialect == "sqlite"


@needs_postgres
def test_every_postgres_connection_has_bounded_waits() -> None:
    db = Database(POSTGRES_URL)
    with db.transaction() as session:
        shown = {
            name: session.execute(text(f"SHOW {name}")).scalar()
            for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
        }
    db.dispose()
    assert shown == {
        "statement_timeout": "5s",
        "lock_timeout": "3s",
        "idle_in_transaction_session_timeout": "150s",
    }


@needs_postgres
def test_a_held_lock_times_out_as_a_retryable_error() -> None:
    db, other = Database(POSTGRES_URL), Database(POSTGRES_URL)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS lock_probe (id INTEGER)"))
    holder = other.engine.connect()
    holder.execute(text("LOCK TABLE lock_probe IN ACCESS EXCLUSIVE MODE"))
    with pytest.raises(OperationalError) as caught, db.transaction() as session:
        session.execute(text("SELECT 1"))  # connected first: a loaded machine connects slowly
        started = time.monotonic()
        session.execute(text("SELECT * FROM lock_probe"))
    waited = time.monotonic() - started
    holder.rollback()
    holder.close()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE lock_probe"))
    db.dispose()
    other.dispose()
    # The lock time-out ended the wait, not the statement time-out (5 s) or the test's patience:
    # the server's own code says so. No lock time-out would make it wait for the statement
    # time-out; the wait is bounded below by the 3 s set (SHOW above), above only by a ceiling
    # that matters when the bound is gone.
    assert getattr(caught.value.orig, "sqlstate", None) == "55P03", caught.value
    assert is_retryable(caught.value) and is_lock_timeout(caught.value)
    assert 2.5 < waited < HANG


@needs_postgres
def test_a_database_that_never_answers_fails_the_connect_in_time() -> None:
    parsed = make_url(POSTGRES_URL)
    with TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432) as proxy:
        proxy.set("hang")
        db = Database(proxy.url_for(POSTGRES_URL))
        started = time.monotonic()
        with pytest.raises(OperationalError) as caught, db.transaction() as session:
            session.execute(text("SELECT 1"))
        waited = time.monotonic() - started
        # The client's connect time-out ended it (psycopg says so), not a ceiling of the test's:
        # without one the connect would wait for the proxy for ever.
        assert "timeout expired" in str(caught.value.orig), caught.value
        assert CONNECT_TIMEOUT_S - 0.5 < waited < HANG, waited
        assert is_retryable(caught.value)
        db.dispose()
