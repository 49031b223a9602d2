"""The three-way merge of a run's answers into the team's, and who changed which item."""

from __future__ import annotations

from datetime import UTC, datetime

from flows.merge import edits, last_changes, three_way


def item_of(key: str) -> str:
    return key.split(":")[1] if ":" in key else key


BASE = {"s:a": "ok", "s:b": "ok", "s:c": "ok"}


def test_items_only_one_side_changed_are_both_kept() -> None:
    mine = {**BASE, "s:a": "no", "l:a": "3", "i:a": "3"}
    theirs = {**BASE, "s:b": "partly", "l:b": "2", "i:b": "2"}
    merged = three_way(BASE, mine, theirs, item_of)
    assert merged.answers == {
        **BASE,
        **{"s:a": "no", "l:a": "3", "i:a": "3"},
        **{"s:b": "partly", "l:b": "2", "i:b": "2"},
    }
    assert merged.conflicts == () and merged.applied == ("a",)


def test_an_item_both_changed_keeps_the_answer_saved_first_whole() -> None:
    mine = {**BASE, "s:a": "partly", "l:a": "2", "i:a": "2", "o:a": "Anna"}
    theirs = {**BASE, "s:a": "no", "l:a": "5", "i:a": "4"}
    merged = three_way(BASE, mine, theirs, item_of)
    assert merged.answers == theirs  # never a mix such as "partly" with 5×4
    assert merged.conflicts == ("a",)


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    both = {**BASE, "s:c": "na"}
    merged = three_way(BASE, both, both, item_of)
    assert merged.answers == both and merged.conflicts == ()


def test_a_removed_answer_counts_as_a_change_and_bookkeeping_is_never_reported() -> None:
    base = {**BASE, "o:a": "Anna", "_from": "2026-01-01"}
    mine = {k: v for k, v in base.items() if k != "o:a"} | {"_from": "2026-02-01"}
    theirs = {**base, "_from": "2026-03-01"}
    merged = three_way(base, mine, theirs, item_of)
    assert "o:a" not in merged.answers
    assert merged.answers["_from"] == "2026-03-01" and merged.conflicts == ()


def test_a_run_started_before_anything_was_saved_merges_into_the_first_result() -> None:
    theirs = {"s:a": "ok"}
    merged = three_way({}, {"s:b": "no"}, theirs, item_of)
    assert merged.answers == {"s:a": "ok", "s:b": "no"}


def test_each_result_counts_the_items_it_changed_and_the_last_change_wins() -> None:
    day = datetime(2026, 1, 1, tzinfo=UTC)
    history = [
        (1, 100, day, {"s:a": "ok", "s:b": "ok"}),
        (2, 200, day, {"s:a": "no", "s:b": "ok"}),
        (3, None, day, {"s:a": "no", "s:b": "na", "_from": "x"}),
    ]
    found = edits(history, item_of)
    assert [e.items for e in found] == [("a", "b"), ("a",), ("b",)]
    last = last_changes(found)
    assert last["a"].user_id == 200 and last["b"].user_id is None
