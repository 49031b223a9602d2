"""Shared fixtures: databases (SQLite always; PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.app import build_dialogue
from bot.dialogue.core import Dialogue
from flows.demo import DemoFlow
from flows.registry import FlowRegistry, default_registry

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def build_test_dialogue(url: str, **options: object) -> Dialogue:
    """The product's flows plus the demo flow (the engine's small reference flow)."""
    flows = FlowRegistry([*default_registry(), DemoFlow()])
    return build_dialogue(url, flows=flows, **options)  # type: ignore[arg-type]


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _backends() -> list[str]:
    # In CI PostgreSQL is required: without TEST_DATABASE_URL its tests fail rather than vanish.
    if POSTGRES_URL or os.environ.get("CI"):
        return ["sqlite", "postgresql"]
    return ["sqlite"]


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not POSTGRES_URL:
        pytest.fail("TEST_DATABASE_URL is not set; CI must test storage on PostgreSQL")
    _reset_postgres(POSTGRES_URL)
    yield POSTGRES_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def dialogue(sqlite_url: str) -> Iterator[Dialogue]:
    core = build_test_dialogue(sqlite_url)
    yield core
    core.db.dispose()
