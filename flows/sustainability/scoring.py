"""The quality self-check: yes = 2, partly = 1, no = 0 points per question; a criterion's score
is its points as a share of the maximum for the questions answered (0–100 %). Bands: 80 % and
more "strong", 50–79 % "needs work", below 50 % "weak". Gaps are the questions answered
"no" or "partly", "no" first, each with its advice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.sustainability.content import PlanContent, Question

ANSWERS: tuple[str, ...] = ("yes", "partly", "no")
POINTS = {"yes": 2, "partly": 1, "no": 0}


def question_step(question_id: str) -> str:
    return f"q:{question_id}"


def criterion_scores(content: PlanContent, answers: Mapping[str, Any]) -> dict[str, int | None]:
    """Each criterion's score 0–100 (None when none of its questions was answered)."""
    scores: dict[str, int | None] = {}
    for criterion in content.criteria:
        given = [answers.get(question_step(q.id)) for q in criterion.questions]
        points = [POINTS[a] for a in given if a in POINTS]
        scores[criterion.id] = round(100 * sum(points) / (2 * len(points))) if points else None
    return scores


def band(score: int) -> str:
    return "strong" if score >= 80 else "work" if score >= 50 else "weak"


def gaps(content: PlanContent, answers: Mapping[str, Any]) -> list[tuple[Question, str]]:
    """(question, answer) for every "no" and "partly", "no" first, in the checklist's order."""
    found = [
        (q, answers[question_step(q.id)])
        for q in content.questions
        if answers.get(question_step(q.id)) in ("no", "partly")
    ]
    return sorted(found, key=lambda pair: pair[1] != "no")
