"""Wiring: settings -> database, content, flows and Q&A -> one Dialogue."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.dialogue.core import Dialogue
from bot.dialogue.flood import FloodLimits
from bot.dialogue.qa import QuestionAnswering
from bot.settings import bot_username_from_env
from flows.registry import FlowRegistry, default_registry
from knowledge.loader import KnowledgeBase, load_knowledge
from knowledge.matcher import Matcher
from knowledge.texts import Catalogue
from storage.db import Database

TEXTS_PATH = Path(__file__).parent / "content" / "texts.yaml"


def load_texts() -> Catalogue:
    return Catalogue.load(TEXTS_PATH)


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
    ``flood`` turns on flood control (Telegram transports). ``matcher`` (built on ``knowledge``)
    and ``texts`` let content built once be shared by several dialogues (the tests do)."""
    flows = flows or default_registry()
    if warm_up:
        threading.Thread(target=flows.warm_up, name="warm-up", daemon=True).start()
    knowledge = knowledge or load_knowledge(flows.ids())
    texts = texts if texts is not None else load_texts()
    db = Database(database_url)
    if migrate:
        db.migrate()
    qa = QuestionAnswering(knowledge, matcher or Matcher(knowledge), texts, flows)
    username = bot_username or bot_username_from_env()  # invite links: t.me/<username>
    return Dialogue(db, flows, qa, texts, admin_ids, flood, bot_username=username)
