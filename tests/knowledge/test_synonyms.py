"""The synonym rewriter gives exactly what one ``pattern.sub`` per synonym in turn gives."""

from __future__ import annotations

import random
import re

import pytest

from knowledge.evaluation import load_eval_set
from knowledge.lexicon import lexicon
from knowledge.loader import load_knowledge
from knowledge.normalize import fold
from knowledge.synonyms import Rewriter, required_literals, single_word

FLOWS = ["digcomp", "risks", "partners", "sustainability", "projects"]


def _one_by_one(rewrites: tuple[tuple[re.Pattern[str], str], ...], text: str) -> str:
    for pattern, canonical in rewrites:
        text = pattern.sub(f" {canonical} ", text)
    return text


def test_same_as_one_by_one_on_every_knowledge_base_text_and_eval_question() -> None:
    rewrites = lexicon().synonyms
    rewriter = Rewriter(rewrites)
    # The lexicon has both kinds, so both paths are exercised.
    assert 0 < rewriter.single_word_rewrites < len(rewrites)
    knowledge = load_knowledge(FLOWS)
    texts = [item.question for item in load_eval_set()]
    for entry in knowledge.entries:
        texts.append(f"{entry.title.lv} {entry.title.en} {entry.answer.lv} {entry.answer.en}")
        for lang in ("lv", "en"):
            texts += [*entry.questions[lang], entry.title.get(lang), entry.answer.get(lang)]
    changed = 0
    for _ in range(2):  # the second time from what the rewriter learnt about each word
        for text in texts:
            folded = fold(text)
            expected = _one_by_one(rewrites, folded)
            assert rewriter.apply(folded) == expected, text
            changed += expected != folded
    assert changed > len(texts) // 4


def test_chained_and_overlapping_rewrites_keep_their_order() -> None:
    rewrites = tuple(
        (re.compile(pattern), token)
        for pattern, token in [
            (r"\bab\b", "x"),  # one word; its output feeds the next
            (r"\bx\s+c\b", "y"),  # several words
            (r"b c", "z"),  # overlaps the first: applied only to what is left
            (r"\by\b", "w"),  # one word, after one of several
            (r"q+", "k"),  # inside words too
            (r"\bk\b", "ab"),  # makes what the first rewrote: not rewritten again
            (r"\bc\w*", "cc"),
        ]
    )
    rewriter = Rewriter(rewrites)
    assert rewriter.single_word_rewrites == 5
    rng = random.Random(5)
    alphabet = ["ab", "b", "c", "x", "y", "q", "qq", "cq", " ", " ", "-"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert rewriter.apply(text) == _one_by_one(rewrites, text), text


def test_back_references_and_look_arounds_are_applied_as_patterns() -> None:
    rewrites = (
        (re.compile(r"(a)\1"), "double"),
        (re.compile(r"b(?=c)"), "bee"),
        (re.compile(r"\bd\b"), "dee"),
        (re.compile(r"[ -]{2}"), "gap"),  # needs no letters: tried on every text
    )
    rewriter = Rewriter(rewrites)
    assert rewriter.single_word_rewrites == 1
    for text in ("aab", "bc d", "aa bcd", "d-aa", "", "e  f", "e  f", "e -d"):
        assert rewriter.apply(text) == _one_by_one(rewrites, text)


@pytest.mark.parametrize(
    ("pattern", "one_word"),
    [
        (r"\b(?:atrast|atrod\w*|meklet)\b", True),
        (r"\bnumur\w*", True),
        (r"\b(?:no)?test(?:et|e|s)?\b", True),
        (r"q+", True),
        (r"\bka[ -]?2\b", False),  # a space or hyphen
        (r"\blook(?:ing)? for\b", False),
        (r"\b\w*", False),  # may match nothing, between two spaces
        (r"\bab(?=c)", False),  # looks past the word
        (r"^ab", False),
        (r"\ba.b\b", False),
        (r"\b[^ ]+\b", False),
        (r"(?i)\bab\b", False),
    ],
)
def test_single_word_patterns(pattern: str, one_word: bool) -> None:
    assert single_word(re.compile(pattern)) is one_word


def test_required_literals() -> None:
    assert required_literals(re.compile(r"\bka[ -]?2\b|\bkey action (?:2|two)\b")) == [
        frozenset({"ka", "2"}),
        frozenset({"key", "action", "2"}),
        frozenset({"key", "action", "two"}),
    ]
    assert required_literals(re.compile(r"\bcit(?:as|u) valst\w*\b")) == [
        frozenset({"citas", "valst"}),
        frozenset({"citu", "valst"}),
    ]
    assert required_literals(re.compile(r"\b(?:x|\w+ y)")) == [
        frozenset({"x"}),
        frozenset({"y"}),
    ]
    # A way that needs no letters at all: the pattern may match anything.
    assert required_literals(re.compile(r"\bab|[ -]+")) is None


def test_what_it_learns_stays_bounded_and_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge.synonyms as synonyms

    monkeypatch.setattr(synonyms, "MAX_WORDS", 10)
    rewrites = lexicon().synonyms
    rewriter = Rewriter(rewrites)
    texts = [fold(item.question) for item in load_eval_set()]
    for text in texts:
        assert rewriter.apply(text) == _one_by_one(rewrites, text)
        assert len(rewriter._masks) <= 10 + len(text.split())
