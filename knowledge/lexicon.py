"""The matcher's linguistic data (stop words, suffixes, language markers) from lexicon.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from knowledge.texts import ContentError, read_yaml

LEXICON_PATH = Path(__file__).parent / "lexicon.yaml"


@dataclass(frozen=True)
class Lexicon:
    stop_words: frozenset[str]
    latvian_suffixes: tuple[str, ...]
    english_suffixes: tuple[str, ...]
    latvian_markers: frozenset[str]
    english_markers: frozenset[str]


def _words(data: dict[str, object], key: str, fold: object) -> list[str]:
    value = data.get(key)
    if not isinstance(value, str) or not value.split():
        raise ContentError(LEXICON_PATH, key, "expected a space-separated list of words")
    return [fold(w) for w in value.split()]  # type: ignore[operator]


@cache
def lexicon() -> Lexicon:
    from knowledge.normalize import fold

    data = read_yaml(LEXICON_PATH)
    if not isinstance(data, dict):
        raise ContentError(LEXICON_PATH, "(file)", "expected a mapping")
    by_length = lambda words: tuple(sorted(set(words), key=len, reverse=True))  # noqa: E731
    return Lexicon(
        stop_words=frozenset(_words(data, "stop_words", fold)),
        latvian_suffixes=by_length(_words(data, "latvian_suffixes", fold)),
        english_suffixes=by_length(_words(data, "english_suffixes", fold)),
        latvian_markers=frozenset(_words(data, "latvian_markers", fold)),
        english_markers=frozenset(_words(data, "english_markers", fold)),
    )
