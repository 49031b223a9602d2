"""Shared fixtures: databases (SQLite always; PostgreSQL when TEST_DATABASE_URL is set) and the
content every dialogue reads.

Built once per test session and shared, because rebuilding them dominated the suite's time:
- the content (flows, knowledge base, matcher, texts), which no test may change (checked when
  the session ends);
- the migrated schema: ``database_url`` and ``sqlite_url`` are empty and fully migrated — a copy
  of a template file on SQLite, every table emptied on PostgreSQL. Tests of the migrations
  themselves take ``empty_database_url`` (no tables at all).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, create_engine, make_url, text

from bot.app import build_dialogue, load_texts
from bot.dialogue.core import Dialogue
from flows import isolation
from flows.demo import DemoFlow
from flows.registry import FlowRegistry, default_registry
from knowledge.loader import KnowledgeBase, load_knowledge
from knowledge.matcher import Matcher
from knowledge.texts import Catalogue
from storage.db import Database

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")

# Property tests judge answers, never speed: no per-example deadline (200 ms by default, which a
# loaded machine overran, and Hypothesis reports an example slow once and fast on its re-run as
# a failure), no "too slow" health check, and no example database, so a run does not depend on
# what an earlier run found. A test's own @settings still decide everything else.
hypothesis_settings.register_profile(
    "celvedis", deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
hypothesis_settings.load_profile("celvedis")


# ---- content, built once ------------------------------------------------------------------
@dataclass(frozen=True)
class Content:
    """What dialogues read and never change."""

    product: FlowRegistry  # the flows the product ships
    with_demo: FlowRegistry  # the same flow objects and the demo flow
    knowledge: KnowledgeBase
    matcher: Matcher
    texts: Catalogue


@functools.cache
def shared_content() -> Content:
    """The session's one copy of the content (its fingerprint is taken to check it later)."""
    product = default_registry()
    knowledge = load_knowledge(product.ids())
    content = Content(
        product=product,
        with_demo=FlowRegistry([*product, DemoFlow()]),
        knowledge=knowledge,
        matcher=Matcher(knowledge),
        texts=load_texts(),
    )
    _fingerprints.append(fingerprint(content))
    return content


_fingerprints: list[str] = []


def fingerprint(obj: object) -> str:
    """A digest of everything reachable from ``obj`` (functions by name), to notice a change."""
    digest = hashlib.sha256()
    seen: set[int] = set()
    stack: list[Any] = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes | int | float | complex | bool | type(None)):
            digest.update(repr(item).encode())
            continue
        if id(item) in seen:
            digest.update(b"@")
            continue
        seen.add(id(item))
        digest.update(type(item).__qualname__.encode())
        if isinstance(item, dict):
            stack.extend(x for pair in item.items() for x in pair)
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, set | frozenset):
            stack.extend(sorted(item, key=repr))
        elif callable(item) and hasattr(item, "__qualname__"):
            digest.update(item.__qualname__.encode())
        elif hasattr(item, "__dict__"):
            stack.append(vars(item))
        else:
            digest.update(repr(item).encode())
    return digest.hexdigest()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run if a test changed the shared content."""
    if _fingerprints and fingerprint(shared_content()) != _fingerprints[0]:
        print("\nERROR: a test changed the shared content (tests/conftest.py)", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _documents_built_in_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The webhook app turns document isolation on for the whole process (a worker wants it);
    put it back after each test, or every later test would build its documents in a new
    interpreter (tests that want isolation turn it on). A worker started by a test does not
    wait for its helper's warm-up (tests/bot/telegram/test_webhook.py checks that it can)."""
    monkeypatch.setattr(isolation, "READY_TIMEOUT", 0.0)
    before = isolation.enabled()
    yield
    isolation.enable(before)


def build_test_dialogue(url: str, *, demo: bool = True, **options: Any) -> Dialogue:
    """The product's flows plus the demo flow (the engine's small reference flow); ``demo=False``:
    the product's flows only. The content is shared; a new SQLite file starts as the migrated
    template (the same schema the migrations build, without building it again)."""
    content = shared_content()
    _start_from_template(url)
    core = build_dialogue(
        url,
        flows=content.with_demo if demo else content.product,
        knowledge=content.knowledge,
        matcher=content.matcher,
        texts=content.texts,
        **options,
    )
    if core.db.dialect == "postgresql":
        _built_on_postgres.append(core)
    return core


_built_on_postgres: list[Dialogue] = []  # disposed when the test that built them ends


@pytest.fixture(autouse=True)
def _postgres_dialogues_disposed() -> Iterator[None]:
    """A dialogue a test built on PostgreSQL gives its pooled connections back to the server
    when the test ends. Left to the garbage collector, an idle connection outlived its test
    and showed up as a session in later tests that look at the server's sessions (a worker's
    clean stop)."""
    yield
    if not _built_on_postgres:
        return
    while _built_on_postgres:
        _built_on_postgres.pop().db.dispose()
    # A webhook app's database work still under way in a thread when it stopped (a look at the
    # outbox, a claim) gives its connection back after the pool was disposed: to a pool no
    # engine holds any more, where it stays open until the garbage collector closes it.
    gc.collect()


# ---- databases, migrated once -------------------------------------------------------------
_template_directory: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def _template_directory_made(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The template lives in the session's pytest temporary directory, which pytest removes
    in a later run (a directory of its own under /tmp was left behind when pytest was
    killed, since only an exit handler removed it)."""
    _template_directory[:] = [tmp_path_factory.mktemp("template")]


@functools.cache
def _sqlite_template() -> Path:
    """An SQLite file migrated to the newest revision, made once per session."""
    path = _template_directory[0] / "migrated.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    db.dispose()  # the last connection checkpoints the WAL into the file and removes it
    assert not path.with_name(path.name + "-wal").exists()
    return path


def _start_from_template(url: str) -> None:
    """Copy the migrated template to a new SQLite file (nothing for other URLs)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    path = Path(parsed.database)
    if parsed.database != ":memory:" and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_sqlite_template(), path)


def migrated_sqlite_url(path: Path) -> str:
    """An SQLite file at ``path``, empty and fully migrated (a copy of the template)."""
    url = f"sqlite:///{path}"
    _start_from_template(url)
    return url


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


_SCHEMA_QUERY = """
    SELECT 'column', table_name, column_name || ' ' || data_type FROM information_schema.columns
     WHERE table_schema = 'public'
    UNION ALL SELECT 'index', tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'
    ORDER BY 1, 2, 3
"""
_migrated_postgres: list[tuple[tuple[Any, ...], ...]] = []  # the schema the migrations made


def _postgres_schema(conn: Connection) -> tuple[tuple[Any, ...], ...]:
    """Columns, indexes and the Alembic revision of the public schema."""
    schema = tuple(tuple(row) for row in conn.execute(text(_SCHEMA_QUERY)))
    if ("column", "alembic_version", "version_num character varying") not in schema:
        return schema
    return (*schema, *(tuple(row) for row in conn.execute(text("TABLE alembic_version"))))


def _empty_migrated_postgres(url: str) -> None:
    """Every table emptied when the schema is the one the migrations made, else rebuilt."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if _migrated_postgres and _postgres_schema(conn) == _migrated_postgres[0]:
                tables = sorted({row[1] for row in _migrated_postgres[0] if row[0] == "column"})
                data = ", ".join(t for t in tables if t != "alembic_version")
                conn.execute(text(f"TRUNCATE {data} RESTART IDENTITY CASCADE"))
                return
    finally:
        engine.dispose()
    _reset_postgres(url)
    db = Database(url)
    db.migrate()
    with db.engine.connect() as conn:
        _migrated_postgres[:] = [_postgres_schema(conn)]
    db.dispose()


def _backends() -> list[str]:
    # In CI PostgreSQL is required: without TEST_DATABASE_URL its tests fail rather than vanish.
    if POSTGRES_URL or os.environ.get("CI"):
        return ["sqlite", "postgresql"]
    return ["sqlite"]


def _postgres_url() -> str:
    if not POSTGRES_URL:
        pytest.fail("TEST_DATABASE_URL is not set; CI must test storage on PostgreSQL")
    return POSTGRES_URL


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, fully migrated database on each backend in turn."""
    if request.param == "sqlite":
        return migrated_sqlite_url(tmp_path / "test.db")
    _empty_migrated_postgres(_postgres_url())
    return POSTGRES_URL


@pytest.fixture(params=_backends())
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database without any table, on each backend in turn (for tests of the migrations)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    _reset_postgres(_postgres_url())
    return POSTGRES_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An empty, fully migrated SQLite database."""
    return migrated_sqlite_url(tmp_path / "test.db")


@pytest.fixture
def dialogue(sqlite_url: str) -> Iterator[Dialogue]:
    core = build_test_dialogue(sqlite_url)
    yield core
    core.db.dispose()
