"""The group's combined levels, with nothing shown for fewer than ``MIN_COUNT`` people.

Input: each finished learner's competence levels (1–8, None when skipped), keyed by an opaque
number that never leaves this module. Output: per area and per competence, how many learners
are in each DigComp band, the group mean, the three weakest competences, and the change per area
between two rounds for the learners in both.

Suppression (the SELFIE rule, "no group figure for fewer than 5 people", made safe against
subtraction):
1. a row (an area or a competence) assessed by fewer than ``MIN_COUNT`` learners shows nothing;
2. a band cell with fewer than ``MIN_COUNT`` learners (0 included) is hidden;
3. while cells are hidden but together hold fewer than ``MIN_COUNT`` learners (which the
   row's total minus the shown cells would give away), the smallest shown cell is hidden too;
so a shown cell always holds at least 5 learners, the hidden cells of a row together hold 0 or
at least 5, and no shown cell holds the whole row (which would tell every learner's band).
4. a mean is shown only over at least ``MIN_COUNT`` learners whose levels are not all the same
   (a mean of equal levels would be every learner's level).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flows.digcomp.content import BANDS, Competence
from flows.digcomp.scoring import band_of, profile_from_levels

MIN_COUNT = 5
Levels = Mapping[str, int | None]


@dataclass(frozen=True)
class Row:
    """One area or competence: learners per band (None: hidden) and the mean level, both
    withheld (``shown`` False) when fewer than ``MIN_COUNT`` learners assessed it."""

    code: str
    assessed: int
    cells: tuple[int | None, ...]
    mean: float | None
    shown: bool = True  # False: fewer than MIN_COUNT learners assessed it

    @property
    def hidden_any(self) -> bool:
        return self.shown and any(cell is None for cell in self.cells)


@dataclass(frozen=True)
class Change:
    """An area's mean level before and after, over the learners who finished both rounds."""

    area: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)


@dataclass(frozen=True)
class GroupProfile:
    """The combined levels of ``finished`` learners (never fewer than ``MIN_COUNT``)."""

    finished: int
    areas: tuple[Row, ...]
    competences: tuple[Row, ...]
    weakest: tuple[str, ...]  # competence codes, weakest first

    @property
    def suppressed(self) -> bool:
        return any(r.hidden_any or not r.shown for r in (*self.areas, *self.competences))


def safe_mean(values: Sequence[int]) -> float | None:
    """The mean to one decimal, or None when it would tell someone's level (rule 4)."""
    if len(values) < MIN_COUNT or len(set(values)) == 1:
        return None
    return _mean(values)


def _mean(values: Sequence[int]) -> float:
    mean = Decimal(sum(values)) / Decimal(len(values))
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def suppress(counts: Sequence[int]) -> tuple[int | None, ...]:
    """The cells of one row as shown: rules 2 and 3 of the module docstring."""
    shown = [count if count >= MIN_COUNT else None for count in counts]
    while True:
        hidden = sum(c for c, s in zip(counts, shown, strict=True) if s is None)
        if all(s is not None for s in shown) or hidden >= MIN_COUNT:
            return tuple(shown)
        visible = [(count, i) for i, count in enumerate(shown) if count is not None]
        if not visible:
            return tuple(shown)
        shown[min(visible)[1]] = None


def _row(code: str, levels: Sequence[int]) -> Row:
    if len(levels) < MIN_COUNT:
        return Row(code, len(levels), (None,) * len(BANDS), None, shown=False)
    counts = [0] * len(BANDS)
    for level in levels:
        counts[BANDS.index(band_of(level))] += 1
    return Row(code, len(levels), suppress(counts), safe_mean(levels))


def _area_levels(people: Sequence[Levels], competences: Sequence[Competence]) -> list[dict]:
    return [dict(profile_from_levels(p, competences).areas) for p in people]


def group_profile(
    people: Sequence[Levels], competences: Sequence[Competence]
) -> GroupProfile | None:
    """The group's profile, or None when fewer than ``MIN_COUNT`` learners finished."""
    if len(people) < MIN_COUNT:
        return None
    areas_of = _area_levels(people, competences)
    area_codes = list(dict.fromkeys(c.area for c in competences))
    areas = tuple(
        _row(a, [lv for person in areas_of if (lv := person.get(a)) is not None])
        for a in area_codes
    )
    rows = tuple(
        _row(c.code, [lv for person in people if (lv := person.get(c.code)) is not None])
        for c in competences
    )
    order = {c.code: i for i, c in enumerate(competences)}
    ranked = sorted((r for r in rows if r.mean is not None), key=lambda r: (r.mean, order[r.code]))
    return GroupProfile(len(people), areas, rows, tuple(r.code for r in ranked[:3]))


def change(
    before: Mapping[int, Levels],
    after: Mapping[int, Levels],
    competences: Sequence[Competence],
) -> tuple[int, tuple[Change, ...]] | None:
    """(learners in both rounds, the change per area), or None when fewer than ``MIN_COUNT``
    learners finished both; an area assessed by fewer than ``MIN_COUNT`` of them is left out."""
    common = sorted(set(before) & set(after))
    if len(common) < MIN_COUNT:
        return None
    first = _area_levels([before[k] for k in common], competences)
    second = _area_levels([after[k] for k in common], competences)
    changes = []
    for area in dict.fromkeys(c.area for c in competences):
        pairs = [
            (a[area], b[area])
            for a, b in zip(first, second, strict=True)
            if a.get(area) is not None and b.get(area) is not None
        ]
        if len(pairs) >= MIN_COUNT:
            changes.append(
                Change(area, safe_mean([p[0] for p in pairs]), safe_mean([p[1] for p in pairs]))
            )
    return len(common), tuple(changes)
