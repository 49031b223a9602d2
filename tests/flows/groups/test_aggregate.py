"""Property tests: whatever the group and its answers, nothing the teacher gets — report texts,
chart, XLSX — shows a count below 5 or lets one learner's level be worked out, and it depends
only on the group as a whole (not on the order, so not on who is who)."""

from __future__ import annotations

import io
import random
import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from flows.digcomp.content import BANDS, default_competences
from flows.digcomp.scoring import band_of
from flows.groups.aggregate import MIN_COUNT, change, group_profile, suppress
from flows.groups.report import Comparison, GroupReport

COMPETENCES = default_competences()
CODES = [c.code for c in COMPETENCES]


@st.composite
def groups(draw: st.DrawFn, most: int = 14) -> list[dict[str, int | None]]:
    """Learners' levels; a narrow range of levels often, so rows are often alike."""
    palette = draw(st.sampled_from([(1, 2), (3,), (1, 8), (4, 5, 6), (1, 2, 3, 4, 5, 6, 7, 8)]))
    size = draw(st.integers(0, most))
    people = []
    for _ in range(size):
        levels: dict[str, int | None] = {}
        for code in CODES:
            levels[code] = (
                draw(st.sampled_from([*palette, None])) if draw(st.booleans()) else palette[0]
            )
        people.append(levels)
    return people


def _small_counts(text: str) -> list[str]:
    return re.findall(r"(?:^|[\s:·(])([1-4])(?=$|[\s·)])", text, flags=re.M)


@given(st.lists(st.integers(0, 30), min_size=4, max_size=4))
def test_suppressed_cells_never_show_or_give_away_fewer_than_five(counts: list[int]) -> None:
    shown = suppress(counts)
    hidden = sum(c for c, s in zip(counts, shown, strict=True) if s is None)
    assert all(s is None or s == c for c, s in zip(counts, shown, strict=True))
    assert all(s is None or s >= MIN_COUNT for s in shown)
    assert (
        hidden == 0 if None not in shown else hidden >= MIN_COUNT or all(s is None for s in shown)
    )
    assert not any(s is not None and s == sum(counts) for s in shown) or sum(counts) == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups())
def test_the_group_profile_never_tells_one_learner(people: list[dict[str, int | None]]) -> None:
    profile = group_profile(people, COMPETENCES)
    if len(people) < MIN_COUNT:
        assert profile is None
        return
    assert profile is not None and profile.finished == len(people)
    for row in (*profile.areas, *profile.competences):
        if not row.shown:
            assert row.assessed < MIN_COUNT and row.mean is None
            assert all(c is None for c in row.cells)
            continue
        shown = [c for c in row.cells if c is not None]
        hidden = row.assessed - sum(shown)
        assert all(c >= MIN_COUNT for c in shown)
        assert hidden == 0 or hidden >= MIN_COUNT
        assert all(c < row.assessed for c in shown)  # no band holds everyone: no band is told
        if row.mean is not None and row.code in CODES:
            values = [p[row.code] for p in people if p[row.code] is not None]
            assert len(set(values)) > 1  # a mean of equal levels would tell each level
    # only the group as a whole counts: the same learners in another order, the same profile
    shuffled = people[:]
    random.Random(len(people)).shuffle(shuffled)
    assert group_profile(shuffled, COMPETENCES) == profile


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups(most=10), groups(most=10), st.sampled_from(["lv", "en"]))
def test_report_texts_and_export_show_no_count_below_five(
    before: list[dict[str, int | None]], after: list[dict[str, int | None]], lang: str
) -> None:
    profile = group_profile(after, COMPETENCES)
    if profile is None:
        return
    changed = change(dict(enumerate(before)), dict(enumerate(after)), COMPETENCES)
    comparison = Comparison("Pirms", *changed) if changed else None
    if changed:
        assert changed[0] >= MIN_COUNT
        for item in changed[1]:
            assert item.before is None or isinstance(item.before, float)
    report = GroupReport(
        profile,
        COMPETENCES,
        group="Grupa",
        round_name="Pēc",
        closed_on=date(2027, 3, 20),
        lang=lang,
        comparison=comparison,
    )
    for message in report.messages():
        assert not _small_counts(message), message
        assert len(message) <= 4096
    book = load_workbook(io.BytesIO(report.xlsx_bytes()))
    for sheet in book.worksheets[:2]:  # areas, competences: learners per band from row 5
        assert sheet.cell(row=2, column=1).value == report.t(
            "groups.report.finished", count=len(after)
        )
        for row in sheet.iter_rows(min_row=5, values_only=True):
            for value in row[2 : 2 + len(BANDS)]:
                assert value == "–" or (isinstance(value, int) and value >= MIN_COUNT), row


def test_band_cells_count_learners_by_band() -> None:
    people = [{code: level for code in CODES} for level in (1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 5)]
    profile = group_profile(people, COMPETENCES)
    assert profile is not None
    row = profile.competences[0]
    bands = [band_of(p[CODES[0]] or 1) for p in people]
    assert [bands.count(b) for b in BANDS] == [5, 5, 1, 0]
    # the lone "advanced" learner is hidden, and so is one band of 5 — otherwise 11 - 5 - 5
    # would give the hidden 1 away
    assert row.cells == (None, 5, None, None)
    assert row.mean == 2.8


def test_the_weakest_three_and_the_change_over_the_same_learners() -> None:
    before = {n: {code: 2 + (n % 2) for code in CODES} for n in range(6)}
    after = {n: {code: 4 + (n % 2) for code in CODES} for n in range(6)}
    after[0]["3.4"] = after[1]["3.4"] = 1
    learners, items = change(before, after, COMPETENCES) or (0, ())
    assert learners == 6 and len(items) == 5
    assert all(item.delta and item.delta > 0 for item in items)
    profile = group_profile(list(after.values()), COMPETENCES)
    assert profile is not None and profile.weakest[0] == "3.4"
    # four learners in both rounds: no change is shown
    assert change({k: before[k] for k in range(4)}, after, COMPETENCES) is None


def test_the_chart_is_a_phone_sized_png_that_ignores_the_order_of_learners() -> None:
    people = [{code: 1 + (n * 7 + i) % 8 for i, code in enumerate(CODES)} for n in range(12)]
    one = group_profile(people, COMPETENCES)
    other = group_profile(people[::-1], COMPETENCES)
    assert one is not None and other is not None
    kwargs = {"group": "3.B", "round_name": "Before", "closed_on": date(2027, 3, 1), "lang": "en"}
    png = GroupReport(one, COMPETENCES, **kwargs).chart_bytes()  # type: ignore[arg-type]
    assert png.startswith(b"\x89PNG")
    assert png == GroupReport(other, COMPETENCES, **kwargs).chart_bytes()  # type: ignore[arg-type]
    from PIL import Image

    width, height = Image.open(io.BytesIO(png)).size
    assert width == 1080 and height > width
