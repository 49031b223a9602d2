"""Scoring the self-assessment: answers -> a level 1–8 per competence, area and overall.

The scale: 0 "not yet", 1 "with help", 2 "on my own", 3 "confidently, and I can guide others".

Quick mode (one self-rating per competence) reads the rating against DigComp's autonomy ladder:
not yet -> 1, with help -> 2, on my own -> 4, guiding others -> 5. One rating cannot tell the
advanced and specialised levels apart, so the quick mode stops at 5.

Thorough mode asks a statement for each band in turn (foundation, intermediate, advanced,
specialised); band ``b`` covers levels ``2b-1`` and ``2b``. The statement carries the complexity
of the task, the answer the autonomy, read against DigComp 2.2's proficiency wording (level 1
"with guidance", 2 "with autonomy and with guidance where needed", 3 "on my own", 4 "independent
and according to my needs", 5 "guiding others", 6 "able to adapt to others in a complex
context", 7 "integrate to contribute to the professional practice and to guide others", 8
"propose new ideas and processes to the field"):

- on the foundation statement, "with help" is level 1 and "on my own" or better level 2;
- on a higher band's statement, "with help" means the band's tasks are not yet done
  autonomously, so it reaches only the top of the band below (``2b-2``: "with help" on an
  advanced task is level 4, never 5); "on my own" reaches the band's lower level (``2b-1``) and
  "confidently, and I can guide others" its upper level (``2b``).

The competence's level is the highest level reached (at least 1).
The advanced statement is only asked (and only counted) when the intermediate one was answered
"on my own" or better, the specialised one likewise after the advanced one — so 2 to 4 statements.

Areas and the overall level are the mean of their assessed competences, rounded half up.
Every rule is monotone: a better answer never lowers a level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flows.digcomp.content import BANDS, Competence

SCALE: tuple[str, ...] = ("0", "1", "2", "3")
QUICK_LEVELS: dict[int, int] = {0: 1, 1: 2, 2: 4, 3: 5}
MASTERED = 2  # "on my own": the answer that opens the next band in the thorough mode
MODES: tuple[str, ...] = ("quick", "full")


def band_of(level: int) -> str:
    """The band of a level 1–8."""
    if not 1 <= level <= 8:
        raise ValueError(f"a DigComp level is 1–8, not {level}")
    return BANDS[(level - 1) // 2]


def quick_step(code: str) -> str:
    return f"q:{code}"


def statement_step(code: str, band_number: int) -> str:
    return f"t:{code}:{band_number}"


def _rating(answers: Mapping[str, Any], step: str) -> int | None:
    value = answers.get(step)
    return int(value) if value in SCALE else None


def statement_counts(answers: Mapping[str, Any], code: str, band_number: int) -> bool:
    """Whether the thorough mode asks band ``band_number``'s statement, given the answers so far."""
    if band_number <= 2:
        return True
    previous = _rating(answers, statement_step(code, band_number - 1))
    return (
        previous is not None
        and previous >= MASTERED
        and statement_counts(answers, code, band_number - 1)
    )


def thorough_level(ratings: Sequence[int | None]) -> int | None:
    """The level from the ratings of the band statements in order (None: not asked or skipped)."""
    reached: int | None = None
    for number, rating in enumerate(ratings, start=1):
        if number > 2 and not (ratings[number - 2] or 0) >= MASTERED:
            break
        if rating is None:
            continue
        reached = max(reached or 1, statement_level(number, rating), 1)
    return reached


def statement_level(band_number: int, rating: int) -> int:
    """The level one band statement's answer shows (0: none), as documented above."""
    if rating == 0:
        return 0
    if band_number == 1:
        return 1 if rating == 1 else 2
    if rating == 1:
        return 2 * band_number - 2
    return 2 * band_number - (1 if rating == MASTERED else 0)


def competence_level(mode: str, answers: Mapping[str, Any], code: str) -> int | None:
    """A competence's level 1–8, or None when it was skipped."""
    if mode == "quick":
        rating = _rating(answers, quick_step(code))
        return None if rating is None else QUICK_LEVELS[rating]
    ratings = [_rating(answers, statement_step(code, n)) for n in range(1, len(BANDS) + 1)]
    return thorough_level(ratings)


def _mean_level(levels: Iterable[int]) -> int | None:
    values = list(levels)
    if not values:
        return None
    mean = Decimal(sum(values)) / Decimal(len(values))
    return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Profile:
    """Levels per competence (None: skipped), per area (None: none assessed) and overall."""

    competences: Mapping[str, int | None]
    areas: Mapping[str, int | None]
    overall: int | None

    @property
    def assessed(self) -> int:
        return sum(1 for level in self.competences.values() if level is not None)


def profile_from_levels(
    levels: Mapping[str, int | None], competences: Sequence[Competence]
) -> Profile:
    by_code = {c.code: levels.get(c.code) for c in competences}
    areas: dict[str, int | None] = {}
    for competence in competences:
        areas.setdefault(competence.area, None)
    for area in areas:
        area_levels = [
            lvl for code, lvl in by_code.items() if code.split(".")[0] == area and lvl is not None
        ]
        areas[area] = _mean_level(area_levels)
    overall = _mean_level(lvl for lvl in by_code.values() if lvl is not None)
    return Profile(competences=by_code, areas=areas, overall=overall)


def score(mode: str, answers: Mapping[str, Any], competences: Sequence[Competence]) -> Profile:
    """The profile for a finished run's answers."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    levels = {c.code: competence_level(mode, answers, c.code) for c in competences}
    return profile_from_levels(levels, competences)


def weakest(profile: Profile, competences: Sequence[Competence], count: int = 3) -> list[str]:
    """The codes of the ``count`` lowest assessed competences, in DigComp order on ties."""
    order = {c.code: i for i, c in enumerate(competences)}
    assessed = [(lvl, order[code], code) for code, lvl in profile.competences.items() if lvl]
    return [code for _, _, code in sorted(assessed)[:count]]


def next_band(level: int) -> str | None:
    """The band whose statement is an example of the next level up (None at level 8)."""
    return None if level >= 8 else band_of(level + 1)
