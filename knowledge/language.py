"""Guessing whether a message is Latvian or English."""

from __future__ import annotations

from knowledge.lexicon import lexicon
from knowledge.normalize import tokens

_LV_LETTERS = frozenset("āčēģīķļņšūž")


def detect_language(text: str, default: str = "lv") -> str:
    """'lv' or 'en' for ``text``; ``default`` when nothing tells them apart."""
    if any(ch in _LV_LETTERS for ch in text.casefold()):
        return "lv"
    lex = lexicon()
    words = tokens(text)
    lv = sum(1 for w in words if w in lex.latvian_markers)
    en = sum(1 for w in words if w in lex.english_markers)
    if lv > en:
        return "lv"
    if en > lv:
        return "en"
    return default
