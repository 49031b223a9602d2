"""Text normalisation for matching: case, diacritics, synonyms, punctuation, stop words, stems."""

from __future__ import annotations

import re
import sys
from functools import lru_cache

from knowledge.folding import fold
from knowledge.lexicon import Lexicon, lexicon
from knowledge.synonyms import MAX_WORDS, Rewriter

__all__ = ["content_tokens", "fold", "stem", "tokens"]

_WORD = re.compile(r"\w+", re.UNICODE)
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
    return _WORD.findall(fold(text))  # the same as the non-empty parts split at non-words


class _Normaliser:
    """The lexicon's rewrites (as typed, before folding, synonyms) and what each folded word
    ends up as (stemmed, kept as a synonym's target, or dropped as a stop word), built once per
    lexicon object."""

    def __init__(self, lex: Lexicon) -> None:
        self.lexicon = lex
        self.case_sensitive = Rewriter(lex.case_sensitive)
        self.before_folding = Rewriter(lex.before_folding)
        self.synonyms = Rewriter(lex.synonyms)
        self.words: dict[str, str] = {}  # a folded word -> its token ("" when dropped)

    def word(self, token: str) -> str:
        found = self.words.get(token)
        if found is None:
            lex = self.lexicon
            if not token or token in lex.stop_words or token == "plus":
                found = ""
            else:
                found = sys.intern(token if token in lex.canonical_tokens else stem(token))
            if len(self.words) >= MAX_WORDS:  # bounded, whatever users type
                self.words.clear()
            self.words[token] = found
        return found


_normalisers: dict[int, _Normaliser] = {}


def _normaliser(lex: Lexicon) -> _Normaliser:
    """The lexicon's normaliser, built once per lexicon object."""
    cached = _normalisers.get(id(lex))
    if cached is None or cached.lexicon is not lex:
        cached = _normalisers[id(lex)] = _Normaliser(lex)
    return cached


def content_tokens(text: str) -> list[str]:
    """Folded text with synonyms made canonical, without stop words, each word stemmed.

    The words are interned (``sys.intern``): one string object per distinct word."""
    lex = lexicon()
    normaliser = _normaliser(lex)
    if lex.case_sensitive:  # each rewrite as a pattern.sub, in order (knowledge.synonyms)
        text = normaliser.case_sensitive.apply(text)
    if lex.before_folding:
        text = normaliser.before_folding.apply(text.casefold())
    folded = fold(text).replace("+", " plus ").replace("erasmus plus", "erasmus")
    if "." in folded:
        folded = _SECTION_NUMBER.sub(r"\1_\2", folded)
    folded, words = normaliser.synonyms.apply_words(folded)
    if words is None:
        words = _WORD.findall(folded)  # the same as the non-empty parts split at non-words
    known = normaliser.words
    try:
        found = list(map(known.__getitem__, words))
    except KeyError:  # a word not seen before
        found = [normaliser.word(word) for word in words]
    return list(filter(None, found))  # stop words are ""
