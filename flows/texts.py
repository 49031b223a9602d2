"""Loading a flow's text catalogue: the engine's shared texts plus the flow's own YAML."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from knowledge.texts import Catalogue

CONTENT_DIR = Path(__file__).parent / "content"


@cache
def engine_texts() -> Catalogue:
    return Catalogue.load(CONTENT_DIR / "engine.yaml")


def load_flow_texts(name: str) -> Catalogue:
    """``flows/content/<name>.yaml`` merged with the engine's texts."""
    return engine_texts().merged(Catalogue.load(CONTENT_DIR / f"{name}.yaml"))


def constant(value: str) -> Callable[[str], str]:
    """A template value that is the same in every language (a code, a number)."""
    return lambda _lang: value
