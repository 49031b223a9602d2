"""Conversation basics (greetings, thanks, goodbye, who are you, help, yes/no/ok, insults,
nonsense): small intents from ``small_talk.yaml``, recognised before the knowledge base.

A message is small talk only when *all* of it is: after the intents' phrases are taken out,
every remaining word must be an intent word (a typo of one edit allowed from five letters on) or
a filler. So "paldies!!", "labdien" and "thx" are small talk, while "labdien, kur meklēt
partnerus?" goes on to the knowledge base. The first intent in file order that the message has
wins ("ok, paldies" is thanks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.normalize import fold, tokens
from knowledge.texts import ContentError, Localized, read_yaml

SMALL_TALK_PATH = Path(__file__).parent / "small_talk.yaml"
NONSENSE = "nonsense"
MAX_WORDS = 8  # longer messages are questions, not small talk
_REPEATS = re.compile(r"(\w)\1{2,}")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_VOWELS = frozenset("aeiouy")


@dataclass(frozen=True)
class Intent:
    name: str
    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]
    emoji: frozenset[str]
    answer: Localized
    menu: bool


@dataclass(frozen=True)
class SmallTalk:
    """The intents in file order, the filler words and the reply to nonsense."""

    intents: tuple[Intent, ...]
    fillers: frozenset[str]
    nonsense: Localized

    def __post_init__(self) -> None:
        vocabulary = sorted({w for intent in self.intents for w in intent.words})
        object.__setattr__(self, "_vocabulary", vocabulary)

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every word of every intent and every filler (folded)."""
        return frozenset(self._vocabulary) | self.fillers  # type: ignore[attr-defined]

    def get(self, name: str) -> Intent | None:
        return next((i for i in self.intents if i.name == name), None)

    def classify(self, text: str) -> Intent | None:
        """The intent ``text`` is entirely made of, or None (then it may be a question)."""
        stripped = text.strip()
        if not stripped:
            return None
        words = [_REPEATS.sub(r"\1", w) for w in tokens(stripped)]
        if not words:
            symbols = {ch for ch in stripped if not ch.isspace()}
            for intent in self.intents:
                if symbols and symbols <= intent.emoji | {"!", ".", "?", ","}:
                    return intent
            return None
        if len(words) > MAX_WORDS:
            return None
        found: set[str] = set()
        rest = list(words)
        for intent in self.intents:
            for phrase in intent.phrases:
                position = _find(rest, phrase)
                while position >= 0:
                    found.add(intent.name)
                    del rest[position : position + len(phrase)]
                    position = _find(rest, phrase)
        for word in rest:
            name = self._word_intent(word)
            if name is None:
                if word not in self.fillers:
                    return None
            else:
                found.add(name)
        return next((i for i in self.intents if i.name in found), None)

    def _word_intent(self, word: str) -> str | None:
        for intent in self.intents:
            if word in intent.words:
                return intent.name
        if len(word) < 5 or not word.isalpha():
            return None
        hit = process.extractOne(
            word,
            self._vocabulary,  # type: ignore[attr-defined]
            scorer=OSA.distance,  # type: ignore[arg-type]
            processor=None,
            score_cutoff=1,
        )
        if hit is None or len(hit[0]) < 5:
            return None
        return next(i.name for i in self.intents if hit[0] in i.words)


def looks_like_nonsense(text: str, known: frozenset[str] | set[str]) -> bool:
    """Nothing in ``text`` is a known word, and what letters there are look like a keyboard
    mash (no vowel, a run along one keyboard row, or five consonants in a row)."""
    words = tokens(text)
    if any(w in known for w in words):
        return False
    letters = [w for w in words if any(ch.isalpha() for ch in w)]
    if not letters:
        return not any(ch.isdigit() for ch in text)
    return all(_mash(w) for w in letters)


def _mash(word: str) -> bool:
    if not _VOWELS & set(word):
        return True
    if len(word) >= 3 and any(word in row or word in row[::-1] for row in _KEYBOARD_ROWS):
        return True
    return re.search(r"[^aeiouy\d_]{5,}", word) is not None


def _find(words: list[str], phrase: tuple[str, ...]) -> int:
    n = len(phrase)
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) == phrase:
            return i
    return -1


def _word_set(raw: object, key: str) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, str):
        raise ContentError(SMALL_TALK_PATH, key, "expected a space-separated list of words")
    return frozenset(fold(w) for w in raw.split())


@cache
def small_talk(path: Path = SMALL_TALK_PATH) -> SmallTalk:
    """The small-talk intents, parsed strictly (file and key named on a problem)."""
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("intents"), dict):
        raise ContentError(path, "(file)", "expected 'intents', 'fillers' and 'nonsense'")
    intents = []
    for name, raw in data["intents"].items():
        key = f"intents.{name}"
        if not isinstance(raw, dict):
            raise ContentError(path, key, "expected a mapping")
        unknown = set(raw) - {"words", "phrases", "emoji", "answer", "menu"}
        if unknown:
            raise ContentError(path, key, f"unknown field(s): {', '.join(sorted(unknown))}")
        phrases = raw.get("phrases") or []
        if not isinstance(phrases, list):
            raise ContentError(path, f"{key}.phrases", "expected a list")
        intents.append(
            Intent(
                name=str(name),
                words=_word_set(raw.get("words"), f"{key}.words"),
                phrases=tuple(  # longest first: "paldies par palīdzību" before "paldies"
                    sorted(
                        (tuple(tokens(str(p))) for p in phrases if tokens(str(p))),
                        key=len,
                        reverse=True,
                    )
                ),
                emoji=frozenset(str(raw.get("emoji") or "").split()),
                answer=Localized.parse_limited(raw.get("answer"), path, f"{key}.answer", 400),
                menu=bool(raw.get("menu", False)),
            )
        )
    nonsense = data.get("nonsense")
    if not isinstance(nonsense, dict):
        raise ContentError(path, "nonsense", "expected a mapping with an answer")
    return SmallTalk(
        intents=tuple(intents),
        fillers=_word_set(data.get("fillers"), "fillers"),
        nonsense=Localized.parse_limited(nonsense.get("answer"), path, "nonsense.answer", 400),
    )
