"""The start-up schema check that skips Alembic when the database is already current."""

from __future__ import annotations

from pathlib import Path

from bot.app import _head_revisions, schema_is_current
from storage.db import Database


def test_fresh_database_is_not_current_then_is_after_migrating(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert not schema_is_current(db)
        db.migrate()
        assert schema_is_current(db)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
        assert not schema_is_current(db)
    finally:
        db.dispose()


def test_heads_are_the_newest_revision() -> None:
    heads = _head_revisions()
    assert len(heads) == 1
