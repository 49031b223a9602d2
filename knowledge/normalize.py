"""Text normalisation for matching: case, diacritics, synonyms, punctuation, stop words, stems."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import lru_cache, reduce
from itertools import chain
from operator import or_

from knowledge.folding import fold, fold_lowered
from knowledge.lexicon import Lexicon, lexicon
from knowledge.synonyms import MAX_WORDS, Rewriter

__all__ = ["TextCache", "content_tokens", "fold", "stem", "tokens"]

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
        # A folded word -> its tokens when rewritten on its own, and the bits it reaches
        # (``Rewriter.alone``): most texts are read word by word from these.
        self.alone: dict[str, tuple[str, ...]] = {}
        self.reach: dict[str, int] = {}

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

    def content(self, folded: str, words: list[str] | None = None) -> list[str]:
        """The content tokens of a folded text (after the section-number step); ``words``
        are its words (``\\w+``) when the caller has them."""
        if words is None:
            words = _WORD.findall(folded)
        try:
            mask = reduce(or_, map(self.reach.__getitem__, words), 0)
            alone = self.alone
        except KeyError:  # a word not seen before
            learnt = [self._learn(word) for word in words]  # (kept: learning may forget)
            alone = {word: found for word, found, _ in learnt}
            mask = reduce(or_, (reached for _, _, reached in learnt), 0)
        if not self.synonyms.spans(mask):  # the same as the whole text rewritten
            return list(chain.from_iterable(map(alone.__getitem__, words)))
        cut = self.synonyms.cut
        if cut is not None:  # parts at punctuation no rewrite crosses, each read on its own
            parts = cut(folded)
            if len(parts) > 1:
                return list(chain.from_iterable(map(self.content, parts)))
        folded, rewritten = self.synonyms.apply_words(folded)
        if rewritten is None:
            rewritten = _WORD.findall(folded)
        known = self.words
        try:
            found = list(map(known.__getitem__, rewritten))
        except KeyError:  # a word not seen before
            found = [self.word(word) for word in rewritten]
        return list(filter(None, found))  # stop words are ""

    def _learn(self, word: str) -> tuple[str, tuple[str, ...], int]:
        """``word``, its tokens when rewritten alone and the bits it reaches, learnt."""
        found, reached = self.alone.get(word), self.reach.get(word)
        if found is None or reached is None:
            if len(self.reach) >= MAX_WORDS:  # bounded, whatever users type
                self.reach.clear()
                self.alone.clear()
            forms, reached = self.synonyms.alone(word)
            found = self.alone[word] = tuple(filter(None, map(self.word, forms)))
            self.reach[word] = reached
        return word, found, reached


_normalisers: dict[int, _Normaliser] = {}


def _normaliser(lex: Lexicon) -> _Normaliser:
    """The lexicon's normaliser, built once per lexicon object."""
    cached = _normalisers.get(id(lex))
    if cached is None or cached.lexicon is not lex:
        cached = _normalisers[id(lex)] = _Normaliser(lex)
    return cached


def content_tokens(text: str) -> list[str]:
    """Folded text with synonyms made canonical, without stop words, each word stemmed.

    The words are interned (``sys.intern``): one string object per distinct word. Rewriting
    the text's words one by one (``Rewriter.alone``) gives the same words as rewriting the
    text whenever no synonym of several words can match on the way (``Rewriter.spans``);
    otherwise the text is rewritten as a whole."""
    return _content_tokens(text, None)


def _content_tokens(text: str, read: tuple[str, list[str]] | None) -> list[str]:
    """``content_tokens(text)``; ``read`` is ``fold(text)`` and its words when known."""
    lex = lexicon()
    normaliser = _normaliser(lex)
    prepared = text
    if lex.case_sensitive:  # each rewrite as a pattern.sub, in order (knowledge.synonyms)
        prepared = normaliser.case_sensitive.apply(prepared)
    if lex.before_folding:
        prepared = normaliser.before_folding.apply(prepared.casefold())
    words = None
    if read is not None and (
        prepared == text or prepared == text.casefold() == prepared.casefold()
    ):
        folded, words = read  # fold(prepared) is fold(text): casefold(text) already is folded
    else:
        folded = fold(prepared)
    plain = folded.replace("+", " plus ").replace("erasmus plus", "erasmus")
    if "." in plain:
        plain = _SECTION_NUMBER.sub(r"\1_\2", plain)
    return normaliser.content(plain, words if plain == folded else None)


class TextCache:
    """Each distinct text's folded words (``tokens``) and content tokens
    (``content_tokens``), each computed once, the folding shared between them: the matcher's
    build reads every text for both."""

    def __init__(self) -> None:
        lex = lexicon()
        self._normaliser = _normaliser(lex)
        # The lexicon's rewrites of the text as typed and before folding, when each is a
        # search for its literals (or absent): a text holding none is left as it is.
        self._as_typed = _keys(self._normaliser.case_sensitive) if lex.case_sensitive else None
        self._unfolded = _keys(self._normaliser.before_folding) if lex.before_folding else None
        self._read: dict[str, tuple[str, str, list[str]]] = {}
        self._content: dict[str, list[str]] = {}

    def _folded(self, text: str) -> tuple[str, str, list[str]]:
        """``text.casefold()``, ``fold(text)`` and its words."""
        found = self._read.get(text)
        if found is None:
            lowered = text.casefold()
            folded = fold_lowered(lowered)
            found = self._read[text] = (lowered, folded, _WORD.findall(folded))
        return found

    def tokens(self, text: str) -> list[str]:
        """``tokens(text)`` (the same list each time: do not change it)."""
        return self._folded(text)[2]

    def content(self, text: str) -> list[str]:
        """``content_tokens(text)`` (the same list each time: do not change it)."""
        found = self._content.get(text)
        if found is None:
            lowered, folded, words = self._folded(text)
            if (
                (self._as_typed is None or not self._as_typed(text))
                and (self._unfolded is None or not self._unfolded(lowered))
                and (lowered.isascii() or lowered.casefold() == lowered)
                and "+" not in folded
                and "." not in folded
                and "erasmus plus" not in folded
            ):  # every step before the synonyms leaves fold(text) as it is
                found = self._normaliser.content(folded, words)
            else:
                found = _content_tokens(text, (folded, words))
            self._content[text] = found
        return found


def _keys(rewriter: Rewriter) -> Callable[[str], object]:
    """A search finding whatever any of the rewrites needs (one that finds anything when
    the rewriter has none)."""
    return rewriter.keys or _anything


def _anything(text: str) -> bool:
    return True
