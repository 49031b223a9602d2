"""The synonym rewriter gives exactly what one ``pattern.sub`` per synonym in turn gives."""

from __future__ import annotations

import random
import re

import pytest

from knowledge.evaluation import load_eval_set
from knowledge.lexicon import lexicon
from knowledge.loader import load_knowledge
from knowledge.normalize import fold
from knowledge.synonyms import Rewriter, literal_ways, required_literals, single_word

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


def test_ways_that_stay_within_one_word() -> None:
    assert literal_ways(re.compile(r"\bcoves?\b|\bcentr\w* of vocational\b")) == [
        (frozenset({"cove"}), True),
        (frozenset({"centr", "of", "vocational"}), False),
    ]
    # An optional separator may join two words; a repeat decides for every time round.
    assert literal_ways(re.compile(r"\bka[ -]?2\b")) == [(frozenset({"ka", "2"}), False)]
    assert literal_ways(re.compile(r"\b(?:ab|c d)+x")) == [
        (frozenset({"ab", "x"}), False),
        (frozenset({"c", "d", "x"}), False),
    ]
    assert literal_ways(re.compile(r"\b(?:find|look(?:ing)? for)\b")) == [
        (frozenset({"find"}), True),
        (frozenset({"look", "for"}), False),
    ]


def _word_by_word(rewriter: Rewriter, text: str) -> list[str] | None:
    """The text's words rewritten one by one (``Rewriter.alone``), or None when a rewrite
    may match across words (``spans``)."""
    words = re.findall(r"\w+", text)
    found = [rewriter.alone(word) for word in words]
    mask = 0
    for _, reached in found:
        mask |= reached
    if rewriter.spans(mask):
        return None
    return [form for forms, _ in found for form in forms]


def test_word_by_word_is_the_whole_text_rewritten() -> None:
    rewrites = lexicon().synonyms
    rewriter = Rewriter(rewrites)
    knowledge = load_knowledge(FLOWS)
    texts = [fold(item.question) for item in load_eval_set()]
    for entry in knowledge.entries:
        for lang in ("lv", "en"):
            texts += [fold(q) for q in entry.questions[lang]]
    rng = random.Random(11)
    words = [word for text in texts for word in text.split()]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(3000)]
    read_alone = 0
    for text in texts:
        expected = re.findall(r"\w+", _one_by_one(rewrites, text))
        found = _word_by_word(rewriter, text)
        if found is not None:
            read_alone += 1
            assert found == expected, text
    # Most texts are read word by word; the rest span words ("key action 2", "dig comp").
    assert read_alone > len(texts) // 2


def test_word_by_word_with_chained_and_overlapping_rewrites() -> None:
    rewrites = tuple(
        (re.compile(pattern), token)
        for pattern, token in [
            (r"\bab\b", "x"),
            (r"\bx\s+c\b|\bq\w*\b", "y"),  # several words, or one (its second way)
            (r"b c", "z"),
            (r"\by\b", "w"),
            (r"q+", "k"),
            (r"\bk\b|\bw w\b", "ab"),
            (r"\bc\w*", "cc"),
        ]
    )
    rewriter = Rewriter(rewrites)
    rng = random.Random(6)
    alphabet = ["ab", "b", "c", "x", "y", "q", "qq", "cq", "w", " ", " ", "-"]
    read_alone = 0
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        found = _word_by_word(rewriter, text)
        if found is not None:
            read_alone += 1
            assert found == re.findall(r"\w+", _one_by_one(rewrites, text)), text
    assert read_alone > 500


def test_a_text_is_cut_only_where_no_rewrite_of_several_words_can_match() -> None:
    rewrites = [
        (re.compile(r"\bkey, action (?:2|two)\b"), "ka2"),
        (re.compile(r"\bdig[ -]?comp\b"), "digcomp"),
        (re.compile(r"\bvet\b"), "vet"),
    ]
    rewriter = Rewriter(rewrites)
    assert rewriter.cut is not None
    text = "key, action 2; dig comp (vet) ok: key, action two!"
    parts = rewriter.cut(text)
    assert parts == ["key, action 2", " dig comp ", "vet", " ok", " key, action two", ""]
    marks = re.findall(r"[;()!:]+", text)
    rebuilt = "".join(
        rewriter.apply(part) + mark for part, mark in zip(parts, [*marks, ""], strict=True)
    )
    assert rebuilt == _one_by_one(tuple(rewrites), text)
    # A look-behind reads across a cut and an empty match may lie at one: no cuts then; a
    # rewrite matching "." (not a mark cut at) leaves the marks to cut at.
    assert Rewriter([(re.compile(r"(?<=;)\bb c\b"), "x")]).cut is None
    assert Rewriter([(re.compile(r"\ba(?: b)?"), "x"), (re.compile(r"x*"), "y")]).cut is None
    assert Rewriter([(re.compile(r"\bnr\. 2\b"), "x")]).cut is not None
