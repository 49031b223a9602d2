"""Scoring and ordering the risk register (PM²: likelihood × impact on 1–5 scales).

An item answered ⚠️ "partly" or ❌ "not yet" is a risk; its score is likelihood × impact (1–25).
Levels: low 1–4, medium 5–9, high 10–25 — the usual 5 × 5 matrix bands. The register lists the
risks by score, highest first; ties keep the checklist's order, where ❌ comes before ⚠️.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flows.risks.content import RiskItem

STATUSES: tuple[str, ...] = ("ok", "partly", "no", "na")
FLAGGED: frozenset[str] = frozenset({"partly", "no"})
SCALE: tuple[str, ...] = ("1", "2", "3", "4", "5")


def level_of(score: int) -> str:
    if not 1 <= score <= 25:
        raise ValueError(f"a risk score is 1–25, not {score}")
    return "low" if score <= 4 else "medium" if score <= 9 else "high"


@dataclass(frozen=True)
class Risk:
    """One row of the register."""

    item: RiskItem
    status: str
    likelihood: int
    impact: int
    response: str
    owner: str | None
    review: str | None  # ISO date

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> str:
        return level_of(self.score)


def status_step(item_id: str) -> str:
    return f"s:{item_id}"


def _rating(answers: Mapping[str, Any], step: str, default: int) -> int:
    value = answers.get(step)
    return int(value) if value in SCALE else default


def register(
    items: Sequence[RiskItem], answers: Mapping[str, Any], reviews: Mapping[str, str]
) -> list[Risk]:
    """The risks among the answered items, highest score first."""
    risks = []
    for order, item in enumerate(items):
        status = answers.get(status_step(item.id))
        if status not in FLAGGED:
            continue
        response = answers.get(f"r:{item.id}")
        risks.append(
            (
                order,
                Risk(
                    item=item,
                    status=status,
                    likelihood=_rating(answers, f"l:{item.id}", item.likelihood),
                    impact=_rating(answers, f"i:{item.id}", item.impact),
                    response=response if isinstance(response, str) else item.response,
                    owner=answers.get(f"o:{item.id}") or None,
                    review=reviews.get(item.id),
                ),
            )
        )
    risks.sort(key=lambda pair: (-pair[1].score, pair[1].status != "no", pair[0]))
    return [risk for _, risk in risks]


def status_counts(items: Sequence[RiskItem], answers: Mapping[str, Any]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for item in items:
        status = answers.get(status_step(item.id))
        if status in counts:
            counts[status] += 1
    return counts
