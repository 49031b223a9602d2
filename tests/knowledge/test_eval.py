"""The evaluation gates.

Issue 3's target is >= 0.90 top-1 in scope; the matcher measures 0.88 today (see `make eval`),
so this test holds the line at what is measured (a regression floor) until the target is met.
Abstention out of scope is held at the target, 0.90.
"""

from __future__ import annotations

import pytest

from flows.registry import default_registry
from knowledge.answers import Answerer
from knowledge.evaluation import EvalReport, evaluate, format_report, load_eval_set
from knowledge.loader import load_knowledge
from knowledge.normalize import tokens


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate(Answerer.load(default_registry().ids()), load_eval_set())


def test_eval_set_is_large_and_varied() -> None:
    items = load_eval_set()
    kinds = {item.kind for item in items}
    assert len(items) >= 300 and kinds == {"lv", "lv_plain", "inflected", "typo", "en", "oos"}
    assert sum(item.expect is None for item in items) >= 30


def test_eval_questions_are_not_copied_from_the_knowledge_base() -> None:
    """Case, diacritics and punctuation aside, no eval question is a knowledge-base phrasing."""
    knowledge = load_knowledge(default_registry().ids())
    phrasings = {
        tuple(tokens(q))
        for entry in knowledge.entries
        for lang in ("lv", "en")
        for q in entry.questions[lang]
    }
    copied = [
        item.question for item in load_eval_set() if tuple(tokens(item.question)) in phrasings
    ]
    assert copied == []


IN_SCOPE_FLOOR = 0.90  # issue 3's gate
ABSTENTION_GATE = 0.90


def test_accuracy_gates(report: EvalReport) -> None:
    assert report.in_scope_accuracy >= IN_SCOPE_FLOOR, format_report(report)
    assert report.abstention >= ABSTENTION_GATE, format_report(report)
