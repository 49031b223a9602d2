"""The synonym rewriter gives exactly what one ``pattern.sub`` per synonym in turn gives."""

from __future__ import annotations

import random
import re

from knowledge.lexicon import lexicon
from knowledge.loader import load_knowledge
from knowledge.normalize import fold
from knowledge.synonyms import Rewriter

FLOWS = ["digcomp", "risks", "partners", "sustainability", "projects"]


def _one_by_one(rewrites: tuple[tuple[re.Pattern[str], str], ...], text: str) -> str:
    for pattern, canonical in rewrites:
        text = pattern.sub(f" {canonical} ", text)
    return text


def test_same_as_one_by_one_on_every_knowledge_base_text() -> None:
    rewrites = lexicon().synonyms
    rewriter = Rewriter(rewrites)
    rewriter._grow_tree()
    assert rewriter._tree is not None
    knowledge = load_knowledge(FLOWS)
    for entry in knowledge.entries:
        for lang in ("lv", "en"):
            for text in (*entry.questions[lang], entry.title.get(lang), entry.answer.get(lang)):
                folded = fold(text)
                assert rewriter.apply(folded) == _one_by_one(rewrites, folded)


def test_chained_and_overlapping_rewrites_keep_their_order() -> None:
    rewrites = tuple(
        (re.compile(pattern), token)
        for pattern, token in [
            (r"\bab\b", "x"),  # its output feeds the next
            (r"\bx\s+c\b", "y"),
            (r"b c", "z"),  # overlaps the first: applied only to what is left
            (r"\by\b", "w"),
            (r"q+", "k"),
        ]
    )
    rewriter = Rewriter(rewrites)
    rewriter._grow_tree()
    assert rewriter._tree is not None
    rng = random.Random(5)
    alphabet = ["ab", "b", "c", "x", "y", "q", "qq", " ", " "]
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert rewriter.apply(text) == _one_by_one(rewrites, text), text


def test_back_references_fall_back_to_one_by_one() -> None:
    rewrites = ((re.compile(r"(a)\1"), "double"), (re.compile(r"b"), "bee"))
    rewriter = Rewriter(rewrites)
    for _ in range(100):
        assert rewriter.apply("aab") == _one_by_one(rewrites, "aab")
    assert rewriter._tree is None
    assert rewriter.apply("aab") == _one_by_one(rewrites, "aab")
