"""Topics the e-material does not cover (``not_covered.yaml``): their words, an honest answer
and the official place to look, each link named with its publisher."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from knowledge.normalize import content_tokens, tokens
from knowledge.schema import Link, _parse_links
from knowledge.texts import ContentError, Localized, read_yaml

NOT_COVERED_PATH = Path(__file__).parent / "not_covered.yaml"


@dataclass(frozen=True)
class Topic:
    id: str
    words: frozenset[str]  # normalised like a question (content_tokens)
    answer: Localized
    links: tuple[Link, ...]
    asks: frozenset[str] = frozenset()  # question words it answers ("kad", "when"), folded


@dataclass(frozen=True)
class NotCovered:
    general: Localized  # the reply when no particular topic is named
    topics: tuple[Topic, ...]

    def get(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)


@cache
def not_covered(path: Path = NOT_COVERED_PATH) -> NotCovered:
    """The not-covered topics, parsed strictly (file and key named on a problem)."""
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("topics"), dict):
        raise ContentError(path, "(file)", "expected 'general' and 'topics'")
    topics = []
    for topic_id, raw in data["topics"].items():
        key = f"topics.{topic_id}"
        if not isinstance(raw, dict) or not isinstance(raw.get("words"), str):
            raise ContentError(path, key, "expected words, answer and links")
        unknown = set(raw) - {"words", "answer", "links", "asks"}
        if unknown:
            raise ContentError(path, key, f"unknown field(s): {', '.join(sorted(unknown))}")
        links = _parse_links(raw.get("links"), path, key)
        for link in links:
            if "(" not in link.name or (link.name_en and "(" not in link.name_en):
                raise ContentError(path, f"{key}.links", f"name the publisher: {link.name!r}")
        topics.append(
            Topic(
                id=str(topic_id),
                words=frozenset(content_tokens(raw["words"])),
                answer=Localized.parse_limited(raw.get("answer"), path, f"{key}.answer", 500),
                links=links,
                asks=frozenset(tokens(str(raw.get("asks", "")))),
            )
        )
    general = Localized.parse_limited(data.get("general"), path, "general", 300)
    return NotCovered(general=general, topics=tuple(topics))
