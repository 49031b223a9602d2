"""The matcher's evaluation: top-1 accuracy by kind, abstention out of scope, small talk, language.

Kinds: ``lv``, ``lv_plain``, ``inflected``, ``typo``, ``en``, ``long`` (long, multi-part;
``also`` names the second part's entry), ``followup`` (``previous`` is the entry answered just
before), ``detail`` and ``midflow`` (typed in the middle of a tool: ``expect: null`` means the
text is an answer to the step, not a question) are in scope; ``oos`` and ``near_miss`` are out
of scope (nothing may be answered); ``small_talk`` expects the intent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.answers import Answerer
from knowledge.texts import ContentError, read_yaml

EVAL_PATH = Path(__file__).resolve().parent.parent / "tests" / "knowledge" / "eval_set.yaml"
KINDS = (
    "lv",
    "lv_plain",
    "inflected",
    "typo",
    "en",
    "long",
    "followup",
    "detail",
    "midflow",
    "small_talk",
    "oos",
    "near_miss",
)
OUT_OF_SCOPE = ("oos", "near_miss")
NOT_IN_SCOPE = (*OUT_OF_SCOPE, "small_talk")
EXPECTED_LANGUAGE = {"lv": "lv", "lv_plain": "lv", "inflected": "lv", "en": "en"}


@dataclass(frozen=True)
class EvalItem:
    question: str
    expect: str | None
    kind: str
    previous: str | None = None
    also: str | None = None


@dataclass
class EvalReport:
    """Counts of one evaluation run, and every miss."""

    total: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    in_top3: Counter[str] = field(default_factory=Counter)
    language_total: int = 0
    language_correct: int = 0
    misses: list[tuple[EvalItem, dict[str, Any]]] = field(default_factory=list)

    def accuracy(self, kind: str) -> float:
        return self.correct[kind] / self.total[kind] if self.total[kind] else 0.0

    @property
    def in_scope_accuracy(self) -> float:
        kinds = [k for k in self.total if k not in NOT_IN_SCOPE]
        total = sum(self.total[k] for k in kinds)
        return sum(self.correct[k] for k in kinds) / total if total else 0.0

    @property
    def abstention(self) -> float:
        """The share of out-of-scope questions (``oos`` and ``near_miss``) not answered."""
        total = sum(self.total[k] for k in OUT_OF_SCOPE)
        return sum(self.correct[k] for k in OUT_OF_SCOPE) / total if total else 0.0

    @property
    def out_of_scope_answered(self) -> float:
        return 1.0 - self.abstention

    @property
    def language_accuracy(self) -> float:
        return self.language_correct / self.language_total if self.language_total else 0.0


def load_eval_set(path: Path = EVAL_PATH) -> list[EvalItem]:
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise ContentError(path, "(file)", "expected a 'questions' list")
    items = []
    for i, raw in enumerate(data["questions"]):
        if raw.get("kind") not in KINDS or not str(raw.get("q", "")).strip():
            raise ContentError(path, f"questions[{i}]", "needs q and a known kind")
        items.append(
            EvalItem(
                str(raw["q"]), raw.get("expect"), raw["kind"], raw.get("previous"), raw.get("also")
            )
        )
    return items


def evaluate(answerer: Answerer, items: list[EvalItem]) -> EvalReport:
    report = EvalReport()
    for item in items:
        if item.kind == "midflow":
            verdict = answerer.try_answer(item.question)
            result = answerer.ask(item.question)
            if verdict is None:  # not taken as a question: the tool gets the text
                result = {**result, "entry_id": None, "suggestions": [], "also": None}
        else:
            result = answerer.ask(item.question, previous_entry=item.previous)
        report.total[item.kind] += 1
        suggested = [s["entry_id"] for s in result["suggestions"]]
        if item.kind == "small_talk":
            ok = result["kind"] == "small_talk" and result["intent"] == item.expect
        elif item.expect is None:
            ok = result["entry_id"] is None
        elif item.also is not None:
            ok = {result["entry_id"], result["also"]} == {item.expect, item.also}
        else:
            ok = result["entry_id"] == item.expect
        if item.expect is not None and (ok or item.expect in suggested[:3]):
            report.in_top3[item.kind] += 1
        if ok:
            report.correct[item.kind] += 1
        else:
            report.misses.append((item, result))
        expected_language = EXPECTED_LANGUAGE.get(item.kind)
        if expected_language:
            report.language_total += 1
            report.language_correct += result["language"] == expected_language
    return report


def format_report(report: EvalReport) -> str:
    lines = ["kind        n   top-1   answer-or-suggested"]
    for kind in KINDS:
        if report.total[kind]:
            top3 = report.in_top3[kind] / report.total[kind]
            lines.append(
                f"{kind:<10}{report.total[kind]:>4}   {report.accuracy(kind):.3f}   "
                + ("—" if kind in NOT_IN_SCOPE else f"{top3:.3f}")
            )
    lines += [
        f"in scope top-1:          {report.in_scope_accuracy:.3f}",
        f"out-of-scope abstention: {report.abstention:.3f} "
        f"(answered {report.out_of_scope_answered:.3f})",
        f"language detection:      {report.language_accuracy:.3f} "
        f"({report.language_correct}/{report.language_total})",
        "",
        f"misses ({len(report.misses)}):",
    ]
    by_kind: dict[str, list[str]] = defaultdict(list)
    for item, result in report.misses:
        got = (
            result["entry_id"]
            or result.get("intent")
            or (
                "suggest:" + ",".join(s["entry_id"] for s in result["suggestions"])
                if result["suggestions"]
                else "none"
            )
        )
        by_kind[item.kind].append(
            f"  [{item.kind}] {item.question!r}: expected {item.expect}, got {got} "
            f"({result['score']}, {result['kind']})"
        )
    for kind in KINDS:
        lines += by_kind[kind]
    return "\n".join(lines)
