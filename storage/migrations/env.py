"""Alembic environment: runs on the connection the application hands over (see Database.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from storage.models import Base

MIGRATION_LOCK_ID = 7_163_501  # any constant: one advisory lock for all workers of this app


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through storage.db.Database.migrate()")
    if connection.dialect.name == "postgresql":
        # Several workers may start at once: only one migrates, the others wait for it.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()


run_migrations()
