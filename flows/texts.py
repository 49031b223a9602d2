"""Loading a flow's text catalogue: the engine's shared texts plus the flow's own YAML."""

from __future__ import annotations

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
