"""The matcher's linguistic data (stop words, suffixes, synonyms) from lexicon.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from knowledge.folding import fold
from knowledge.texts import ContentError, read_yaml

LEXICON_PATH = Path(__file__).parent / "lexicon.yaml"


@dataclass(frozen=True)
class Lexicon:
    stop_words: frozenset[str]
    latvian_suffixes: tuple[str, ...]
    english_suffixes: tuple[str, ...]
    latvian_derivations: tuple[str, ...]
    latvian_markers: frozenset[str]
    english_markers: frozenset[str]
    synonyms: tuple[tuple[re.Pattern[str], str], ...]
    canonical_tokens: frozenset[str]  # the synonyms' targets: never stemmed
    # Applied before diacritics are folded, for words that only diacritics tell apart
    # ("termiņš", a deadline, and "termins", a term).
    before_folding: tuple[tuple[re.Pattern[str], str], ...] = ()
    # Applied to the text as typed, for abbreviations only capitals tell apart ("ES", the EU,
    # and "es", I).
    case_sensitive: tuple[tuple[re.Pattern[str], str], ...] = ()


def _words(data: dict[str, object], key: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, str) or not value.split():
        raise ContentError(LEXICON_PATH, key, "expected a space-separated list of words")
    if "#" in value.split():  # a comment line inside a folded block becomes words
        raise ContentError(LEXICON_PATH, key, "a '#' comment inside the list of words")
    return [fold(w) for w in value.split()]


def _synonyms(
    data: dict[str, object], key: str = "synonyms"
) -> tuple[tuple[re.Pattern[str], str], ...]:
    raw = data.get(key, {} if key != "synonyms" else None)
    if not isinstance(raw, dict):
        raise ContentError(LEXICON_PATH, key, "expected a mapping of token -> patterns")
    compiled = []
    for token, patterns in raw.items():
        if not isinstance(patterns, list) or not patterns:
            raise ContentError(LEXICON_PATH, f"{key}.{token}", "expected a list of patterns")
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ContentError(LEXICON_PATH, f"{key}.{token}", str(exc)) from None
        # One search per token, its patterns as alternatives (in their order): a pass over the
        # text per pattern made normalisation the slowest step of loading.
        joined = "|".join(f"(?:{pattern})" for pattern in patterns)
        compiled.append((re.compile(joined), str(token)))
    return tuple(compiled)


@cache
def lexicon() -> Lexicon:
    data = read_yaml(LEXICON_PATH)
    if not isinstance(data, dict):
        raise ContentError(LEXICON_PATH, "(file)", "expected a mapping")

    def by_length(words: list[str]) -> tuple[str, ...]:
        return tuple(sorted(set(words), key=len, reverse=True))

    synonyms = _synonyms(data)
    before_folding = _synonyms(data, "before_folding")
    case_sensitive = _synonyms(data, "case_sensitive")
    return Lexicon(
        stop_words=frozenset(_words(data, "stop_words")),
        latvian_suffixes=by_length(_words(data, "latvian_suffixes")),
        english_suffixes=by_length(_words(data, "english_suffixes")),
        latvian_derivations=by_length(_words(data, "latvian_derivations")),
        latvian_markers=frozenset(_words(data, "latvian_markers")),
        english_markers=frozenset(_words(data, "english_markers")),
        synonyms=synonyms,
        canonical_tokens=frozenset(
            token for _, token in synonyms + before_folding + case_sensitive
        ),
        before_folding=before_folding,
        case_sensitive=case_sensitive,
    )
