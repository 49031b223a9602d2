"""Text normalisation for matching: case, diacritics, synonyms, punctuation, stop words, stems."""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.folding import fold
from knowledge.lexicon import Lexicon, lexicon
from knowledge.synonyms import Rewriter

__all__ = ["content_tokens", "fold", "stem", "tokens"]

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
# A section or competence number such as "2.1" stays one token ("2_1"), so 2.1 is not 1.2;
# dates such as 18.12.2006 are left alone.
_SECTION_NUMBER = re.compile(r"(?<![\d.])(\d)\.(\d)(?!\d|\.\d)")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stem of one folded word: common Latvian and English endings removed, then one
    Latvian derivational ending (lexicon.yaml's ``latvian_derivations``).

    Short words are left alone so abbreviations such as 'ka2' or 'vet' survive.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    lex = lexicon()
    for suffix in lex.latvian_suffixes + lex.english_suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    for suffix in lex.latvian_derivations:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    """Folded words of ``text`` without punctuation."""
    return [t for t in _NON_WORD.split(fold(text)) if t]


_rewriters: dict[int, tuple[Lexicon, Rewriter]] = {}


def _rewriter(lex: Lexicon) -> Rewriter:
    """The lexicon's synonym rewriter, built once per lexicon object."""
    cached = _rewriters.get(id(lex))
    if cached is None or cached[0] is not lex:
        cached = _rewriters[id(lex)] = (lex, Rewriter(lex.synonyms))
    return cached[1]


def content_tokens(text: str) -> list[str]:
    """Folded text with synonyms made canonical, without stop words, each word stemmed."""
    lex = lexicon()
    for pattern, canonical in lex.case_sensitive:
        text = pattern.sub(f" {canonical} ", text)
    if lex.before_folding:
        text = text.casefold()
        for pattern, canonical in lex.before_folding:
            text = pattern.sub(f" {canonical} ", text)
    folded = fold(text).replace("+", " plus ").replace("erasmus plus", "erasmus")
    folded = _SECTION_NUMBER.sub(r"\1_\2", folded)
    folded = _rewriter(lex).apply(folded)  # the synonyms in order, each as a pattern.sub
    protected = lex.canonical_tokens
    result = []
    for token in _NON_WORD.split(folded):
        if not token or token in lex.stop_words or token == "plus":
            continue
        result.append(token if token in protected else stem(token))
    return result
