"""The matcher's evaluation: top-1 accuracy by kind, abstention out of scope, language accuracy."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.answers import Answerer
from knowledge.texts import ContentError, read_yaml

EVAL_PATH = Path(__file__).resolve().parent.parent / "tests" / "knowledge" / "eval_set.yaml"
KINDS = ("lv", "lv_plain", "inflected", "typo", "en", "oos")
EXPECTED_LANGUAGE = {"lv": "lv", "lv_plain": "lv", "inflected": "lv", "en": "en"}


@dataclass(frozen=True)
class EvalItem:
    question: str
    expect: str | None
    kind: str


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
        kinds = [k for k in self.total if k != "oos"]
        total = sum(self.total[k] for k in kinds)
        return sum(self.correct[k] for k in kinds) / total if total else 0.0

    @property
    def abstention(self) -> float:
        return self.accuracy("oos")

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
        items.append(EvalItem(str(raw["q"]), raw.get("expect"), raw["kind"]))
    return items


def evaluate(answerer: Answerer, items: list[EvalItem]) -> EvalReport:
    report = EvalReport()
    for item in items:
        result = answerer.ask(item.question)
        report.total[item.kind] += 1
        suggested = [s["entry_id"] for s in result["suggestions"]]
        if item.expect is None:
            ok = result["entry_id"] is None
        else:
            ok = result["entry_id"] == item.expect
            if ok or item.expect in suggested[:3]:
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
            top3 = report.in_top3[kind] / report.total[kind] if kind != "oos" else float("nan")
            lines.append(
                f"{kind:<10}{report.total[kind]:>4}   {report.accuracy(kind):.3f}   "
                + ("—" if kind == "oos" else f"{top3:.3f}")
            )
    lines += [
        f"in scope top-1:          {report.in_scope_accuracy:.3f}",
        f"out-of-scope abstention: {report.abstention:.3f}",
        f"language detection:      {report.language_accuracy:.3f} "
        f"({report.language_correct}/{report.language_total})",
        "",
        f"misses ({len(report.misses)}):",
    ]
    by_kind: dict[str, list[str]] = defaultdict(list)
    for item, result in report.misses:
        got = result["entry_id"] or (
            "suggest:" + ",".join(s["entry_id"] for s in result["suggestions"])
            if result["suggestions"]
            else "none"
        )
        by_kind[item.kind].append(
            f"  [{item.kind}] {item.question!r}: expected {item.expect}, got {got} "
            f"({result['score']})"
        )
    for kind in KINDS:
        lines += by_kind[kind]
    return "\n".join(lines)
