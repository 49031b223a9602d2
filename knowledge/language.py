"""Guessing whether a message is Latvian or English."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from knowledge.lexicon import lexicon
from knowledge.loader import KnowledgeBase
from knowledge.normalize import tokens

_LV_LETTERS = frozenset("āčēģīķļņšūž")
_NOT_LATVIAN_LETTERS = frozenset("qwxy")


@dataclass(frozen=True)
class LanguageDetector:
    """Latvian letters decide at once; otherwise words seen only in one language's texts vote."""

    latvian_words: frozenset[str]
    english_words: frozenset[str]

    @classmethod
    def from_knowledge(
        cls, knowledge: KnowledgeBase, tokenise: Callable[[str], list[str]] = tokens
    ) -> LanguageDetector:
        lv_texts: list[str] = []
        en_texts: list[str] = []
        for entry in knowledge.entries:
            lv_texts += [*entry.questions["lv"], entry.title.lv, entry.answer.lv]
            en_texts += [*entry.questions["en"], entry.title.en, entry.answer.en]
        return cls.from_texts(lv_texts, en_texts, tokenise)

    @classmethod
    def from_texts(
        cls,
        latvian: Iterable[str],
        english: Iterable[str],
        tokenise: Callable[[str], list[str]] = tokens,
    ) -> LanguageDetector:
        """``tokenise`` is ``normalize.tokens`` or a caching equivalent (the matcher's build)."""
        lv: set[str] = set()
        for text in dict.fromkeys(latvian):  # each distinct text once
            lv.update(tokenise(text))
        en: set[str] = set()
        for text in dict.fromkeys(english):
            en.update(tokenise(text))
        return cls.from_words(lv, en)

    @classmethod
    def from_words(cls, latvian: set[str], english: set[str]) -> LanguageDetector:
        """From the words (``tokens``) of each language's texts (the matcher's build reads
        them once for this and for the word forms)."""
        lex = lexicon()
        lv = latvian | lex.latvian_markers
        en = english | lex.english_markers
        shared = (lv & en) - lex.latvian_markers - lex.english_markers
        return cls(frozenset(lv - shared), frozenset(en - shared))

    def detect(self, text: str, default: str = "lv") -> str:
        """'lv' or 'en' for ``text``; ``default`` when nothing tells them apart."""
        if any(ch in _LV_LETTERS for ch in text.casefold()):
            return "lv"
        words = tokens(text)
        lv = sum(1 for w in words if w in self.latvian_words)
        en: float = sum(1 for w in words if w in self.english_words)
        en += sum(1 for w in words if _NOT_LATVIAN_LETTERS & set(w)) * 0.5
        if lv > en:
            return "lv"
        if en > lv:
            return "en"
        return default
