"""The system tests' database: PostgreSQL, emptied and migrated once per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import POSTGRES_URL, _reset_postgres


@pytest.fixture
def postgres() -> Iterator[str]:
    _reset_postgres(POSTGRES_URL)
    from storage.db import Database

    db = Database(POSTGRES_URL)
    db.migrate()
    db.dispose()
    yield POSTGRES_URL
