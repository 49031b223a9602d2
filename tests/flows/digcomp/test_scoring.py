"""The scoring rules: levels per competence, area and overall, and their guarantees."""

from __future__ import annotations

import itertools

import pytest

from flows.digcomp.content import default_competences
from flows.digcomp.scoring import (
    QUICK_LEVELS,
    band_of,
    competence_level,
    next_band,
    profile_from_levels,
    score,
    statement_counts,
    statement_step,
    thorough_level,
    weakest,
)

COMPETENCES = default_competences()
RATINGS = (None, 0, 1, 2, 3)  # None: skipped or not asked


def thorough_answers(code: str, ratings: tuple[int | None, ...]) -> dict[str, str]:
    """Answers as the flow stores them, only for statements the thorough mode would ask."""
    answers: dict[str, str] = {"mode": "full"}
    for number, rating in enumerate(ratings, start=1):
        if rating is not None and statement_counts(answers, code, number):
            answers[statement_step(code, number)] = str(rating)
    return answers


def test_bands_cover_levels_in_pairs() -> None:
    assert [band_of(level) for level in range(1, 9)] == [
        "foundation", "foundation", "intermediate", "intermediate",
        "advanced", "advanced", "specialised", "specialised",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        band_of(0)


def test_quick_mode_maps_the_scale_to_the_autonomy_ladder() -> None:
    assert QUICK_LEVELS == {0: 1, 1: 2, 2: 4, 3: 5}
    assert competence_level("quick", {"q:1.1": "2"}, "1.1") == 4
    assert competence_level("quick", {}, "1.1") is None  # skipped


@pytest.mark.parametrize(
    ("ratings", "level"),
    [
        ((0, 0, None, None), 1),
        ((1, 0, None, None), 1),
        ((2, 0, None, None), 2),
        ((2, 1, None, None), 2),  # "with help" on a harder task: the top of the band below
        ((3, 2, 0, None), 3),
        ((3, 3, 0, None), 4),
        ((2, 2, 1, None), 4),  # "with help" on the advanced statement is never level 5
        ((2, 2, 2, 0), 5),
        ((2, 3, 3, 0), 6),
        ((2, 2, 2, 1), 6),
        ((2, 2, 2, 2), 7),
        ((3, 3, 3, 3), 8),
        ((None, None, None, None), None),
    ],
)
def test_thorough_levels(ratings: tuple[int | None, ...], level: int | None) -> None:
    assert thorough_level(ratings) == level


def test_higher_statements_are_asked_only_after_mastering_the_one_below() -> None:
    assert statement_counts({}, "1.1", 1) and statement_counts({}, "1.1", 2)
    assert not statement_counts({"t:1.1:2": "1"}, "1.1", 3)
    assert statement_counts({"t:1.1:2": "2"}, "1.1", 3)
    assert not statement_counts({"t:1.1:2": "2", "t:1.1:3": "1"}, "1.1", 4)
    # An answer left over from before the user went back no longer counts.
    stale = {"mode": "full", "t:1.1:1": "2", "t:1.1:2": "0", "t:1.1:3": "3", "t:1.1:4": "3"}
    assert competence_level("full", stale, "1.1") == 2


def test_a_better_answer_never_lowers_the_level() -> None:
    for ratings in itertools.product(RATINGS, repeat=4):
        level = competence_level("full", thorough_answers("2.1", ratings), "2.1") or 0
        for position, rating in enumerate(ratings):
            for better in RATINGS[RATINGS.index(rating) + 1 :]:
                improved = (*ratings[:position], better, *ratings[position + 1 :])
                answers = thorough_answers("2.1", improved)
                assert (competence_level("full", answers, "2.1") or 0) >= level, (ratings, improved)
    quick = [QUICK_LEVELS[r] for r in range(4)]
    assert quick == sorted(quick)


def test_all_lowest_answers_give_foundation_in_both_modes() -> None:
    quick = score("quick", {f"q:{c.code}": "0" for c in COMPETENCES}, COMPETENCES)
    full = {"mode": "full"} | {statement_step(c.code, n): "0" for c in COMPETENCES for n in (1, 2)}
    for profile in (quick, score("full", full, COMPETENCES)):
        assert profile.overall == 1 and band_of(profile.overall) == "foundation"
        assert set(profile.areas.values()) == {1}


def test_all_highest_answers_give_highly_specialised_in_the_thorough_mode() -> None:
    answers = {"mode": "full"} | {
        statement_step(c.code, n): "3" for c in COMPETENCES for n in range(1, 5)
    }
    profile = score("full", answers, COMPETENCES)
    assert profile.overall == 8 and band_of(profile.overall) == "specialised"
    assert set(profile.competences.values()) == {8}


def test_areas_and_overall_are_means_rounded_half_up_and_skips_are_left_out() -> None:
    levels = {"1.1": 2, "1.2": 3, "1.3": None, "2.1": 4}
    profile = profile_from_levels(levels, COMPETENCES)
    assert profile.areas["1"] == 3  # (2 + 3) / 2 = 2.5 -> 3
    assert profile.areas["2"] == 4
    assert profile.areas["3"] is None  # nothing assessed
    assert profile.overall == 3  # (2 + 3 + 4) / 3
    assert profile.assessed == 3


def test_weakest_are_the_lowest_assessed_in_framework_order_on_ties() -> None:
    levels = {c.code: 5 for c in COMPETENCES} | {"5.4": 1, "3.4": 1, "1.2": 2, "2.2": None}
    profile = profile_from_levels(levels, COMPETENCES)
    assert weakest(profile, COMPETENCES) == ["3.4", "5.4", "1.2"]


def test_next_band_gives_the_example_of_the_next_level() -> None:
    assert next_band(1) == "foundation"  # level 2 is still in the foundation band
    assert next_band(2) == "intermediate"
    assert next_band(7) == "specialised"
    assert next_band(8) is None
