"""The evaluation gates (``make eval`` shows the table and every miss).

Issue 12's targets: in-scope top-1 >= 0.93 overall and >= 0.85 in every kind, out-of-scope
answered <= 5 %, small talk 100 %. The out-of-scope and small-talk gates are held at the target.
In-scope accuracy is held at the targets too (measured 0.939 overall, out of scope answered
2.3 %; the lowest kinds are ``long`` 0.857 and ``followup`` 0.875).
"""

from __future__ import annotations

import pytest

from flows.registry import default_registry
from knowledge.answers import Answerer
from knowledge.evaluation import (
    KINDS,
    NOT_IN_SCOPE,
    EvalReport,
    evaluate,
    format_report,
    load_eval_set,
)
from knowledge.loader import load_knowledge
from knowledge.normalize import tokens


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate(Answerer.load(default_registry().ids()), load_eval_set())


def test_eval_set_is_large_and_varied() -> None:
    items = load_eval_set()
    kinds = {item.kind for item in items}
    assert len(items) >= 450 and kinds == set(KINDS)
    assert sum(item.kind == "near_miss" for item in items) >= 40
    assert sum(item.expect is None for item in items if item.kind in ("oos", "near_miss")) >= 80
    assert all(item.previous for item in items if item.kind == "followup")


def phrasing_words() -> set[tuple[str, ...]]:
    """Every knowledge-base phrasing as its words (case, diacritics and punctuation aside)."""
    knowledge = load_knowledge(default_registry().ids())
    return {
        tuple(tokens(q))
        for entry in knowledge.entries
        for lang in ("lv", "en")
        for q in entry.questions[lang]
    }


def test_eval_questions_are_not_copied_from_the_knowledge_base() -> None:
    """Case, diacritics and punctuation aside, no eval question is a knowledge-base phrasing."""
    phrasings = phrasing_words()
    copied = [
        item.question for item in load_eval_set() if tuple(tokens(item.question)) in phrasings
    ]
    assert copied == []


IN_SCOPE_TARGET = 0.93
KIND_TARGET = 0.85
IN_SCOPE_FLOOR = IN_SCOPE_TARGET
KIND_FLOORS: dict[str, float] = {}  # every kind at KIND_TARGET
OUT_OF_SCOPE_ANSWERED_GATE = 0.05


def test_out_of_scope_is_not_answered(report: EvalReport) -> None:
    assert report.out_of_scope_answered <= OUT_OF_SCOPE_ANSWERED_GATE, format_report(report)


def test_small_talk_is_always_recognised(report: EvalReport) -> None:
    assert report.accuracy("small_talk") == 1.0, format_report(report)


def test_in_scope_accuracy_floors(report: EvalReport) -> None:
    assert report.in_scope_accuracy >= IN_SCOPE_FLOOR, format_report(report)
    for kind in KINDS:
        if kind not in NOT_IN_SCOPE:
            floor = KIND_FLOORS.get(kind, KIND_TARGET)
            assert report.accuracy(kind) >= floor, f"{kind}\n{format_report(report)}"
