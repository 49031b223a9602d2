"""The schema version the code expects and the one a SQLite file is at, read without SQLAlchemy
or Alembic: the newest Alembic revision ids come from the migration files' ``revision`` and
``down_revision`` lines, and a file's version from its ``alembic_version`` table (stdlib
sqlite3). Start-up uses them to skip Alembic (~0.2 s, ~15 MB) when nothing is to migrate."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only its type here: a PostgreSQL worker never loads sqlite3 (~0.8 MB)
    import sqlite3

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.*)$", re.MULTILINE)


def head_revisions(versions_dir: Path = VERSIONS_DIR) -> frozenset[str]:
    """The newest Alembic revision ids (those no other migration names as its parent)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions_dir.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision = _REVISION.search(text)
        if revision is None:
            raise ValueError(f"{path.name}: no revision line")
        revisions.add(revision.group(1))
        down = _DOWN_REVISION.search(text)
        if down is None:
            raise ValueError(f"{path.name}: no down_revision line")
        parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    return frozenset(revisions - parents)


def sqlite_revisions(connection: sqlite3.Connection) -> frozenset[str]:
    """The revision ids recorded in an open SQLite database (raises when it has none)."""
    rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return frozenset(str(row[0]) for row in rows)
