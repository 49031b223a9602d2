"""Wiring: settings -> database, content, flows and Q&A -> one Dialogue.

Importing this module is cheap (the dialogue core, SQLAlchemy and the flows are imported by
``build_dialogue``), so ``python -m bot chat`` can load the texts before its first prompt.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.texts import Catalogue
from storage.schema_version import head_revisions

if TYPE_CHECKING:
    from bot.dialogue.core import Dialogue
    from bot.dialogue.flood import FloodLimits
    from flows.registry import FlowRegistry
    from knowledge.loader import KnowledgeBase
    from knowledge.matcher import Matcher
    from storage.db import Database

TEXTS_PATH = Path(__file__).parent / "content" / "texts.yaml"


def load_texts() -> Catalogue:
    return Catalogue.load(TEXTS_PATH)


def _head_revisions() -> frozenset[str]:
    """The newest Alembic revision ids (storage.schema_version, without loading Alembic)."""
    return head_revisions()


def schema_is_current(db: Database) -> bool:
    """True when the database is known to be at the newest revision, so the (slow) Alembic
    upgrade can be skipped; False when unsure (no table yet, an error, odd files)."""
    try:
        heads = _head_revisions()
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            current = frozenset(row[0] for row in rows)
    except Exception:
        return False
    return bool(heads) and current == heads


def build_dialogue(
    database_url: str,
    *,
    flows: FlowRegistry | None = None,
    knowledge: KnowledgeBase | None = None,
    matcher: Matcher | None = None,
    texts: Catalogue | None = None,
    admin_ids: frozenset[int] = frozenset(),
    warm_up: bool = False,
    migrate: bool = True,
    flood: FloodLimits | None = None,
    bot_username: str | None = None,
) -> Dialogue:
    """A ready dialogue core: content loaded and checked, database migrated. ``warm_up`` loads
    the flows' slow libraries in a background thread, so the first result is not slower;
    ``migrate=False`` when the schema is already current (webhook workers: the parent migrates);
    ``flood`` turns on flood control (Telegram transports). The knowledge base and the matcher
    come from the compiled index cache unless given. ``matcher`` (built on ``knowledge``)
    and ``texts`` let content built once be shared by several dialogues (the tests do)."""
    from bot.dialogue.core import Dialogue
    from bot.dialogue.qa import QuestionAnswering
    from bot.settings import bot_username_from_env
    from flows.registry import default_registry
    from knowledge.index_cache import load_index
    from knowledge.matcher import Matcher
    from storage.db import Database

    default_flows = flows is None
    flows = flows or default_registry()
    if warm_up:
        threading.Thread(target=flows.warm_up, name="warm-up", daemon=True).start()
    if knowledge is None:  # from the compiled index when it is current (knowledge.index_cache)
        knowledge, cached = load_index(None if default_flows else flows.ids())
        matcher = matcher or cached
    texts = texts if texts is not None else load_texts()
    db = Database(database_url)
    if migrate and not schema_is_current(db):
        db.migrate()
    qa = QuestionAnswering(knowledge, matcher or Matcher(knowledge), texts, flows)
    username = bot_username or bot_username_from_env()  # invite links: t.me/<username>
    return Dialogue(db, flows, qa, texts, admin_ids, flood, bot_username=username)
