"""Shared answers: a three-way merge of a run's answers into the team's current ones, and who
changed which item in a project's history of results. Pure functions on answer dicts; an
"item" is what a flow groups answers by (``item_of``: a risk, an aspect of a plan, …), and an
item whose id starts with "_" is bookkeeping (merged, never reported)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ItemOf = Callable[[str], str]


def by_item(answers: Mapping[str, Any], item_of: ItemOf) -> dict[str, dict[str, Any]]:
    """The answers grouped by item."""
    grouped: dict[str, dict[str, Any]] = {}
    for key, value in answers.items():
        grouped.setdefault(item_of(key), {})[key] = value
    return grouped


@dataclass(frozen=True)
class Merged:
    """The merged answers; ``conflicts``: items both changed differently (the current value
    kept); ``applied``: items this run changed that are now the team's."""

    answers: dict[str, Any]
    conflicts: tuple[str, ...]
    applied: tuple[str, ...]


def three_way(
    base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any], item_of: ItemOf
) -> Merged:
    """``mine`` (a run started from ``base``) on top of ``theirs`` (the team's answers now):
    an item only this run changed takes its answer; an item changed meanwhile and not here
    keeps the team's; an item both changed to different answers keeps the team's and is a
    conflict. Every item ends as one of the two answers, never a mix."""
    b, m, t = (by_item(x, item_of) for x in (base, mine, theirs))
    merged: dict[str, Any] = {}
    conflicts: list[str] = []
    applied: list[str] = []
    for item in dict.fromkeys([*t, *m, *b]):
        was, ours, now = b.get(item, {}), m.get(item, {}), t.get(item, {})
        if ours in (was, now):
            chosen = now
        elif now == was:
            chosen = ours
            applied.append(item)
        else:
            chosen = now
            if not item.startswith("_"):
                conflicts.append(item)
        merged.update(chosen)
    return Merged(merged, tuple(conflicts), tuple(applied))


@dataclass(frozen=True)
class Edit:
    """One kept result of a project: who finished it (None: erased their data), when, and the
    items it changed against the result before it."""

    result_id: int
    user_id: int | None
    when: datetime
    items: tuple[str, ...]


def edits(
    results: Iterable[tuple[int, int | None, datetime, Mapping[str, Any]]], item_of: ItemOf
) -> list[Edit]:
    """Each result (``(id, user, when, answers)``, oldest first) as the items it changed."""
    found: list[Edit] = []
    before: dict[str, dict[str, Any]] = {}
    for result_id, user_id, when, answers in results:
        now = by_item(answers, item_of)
        changed = tuple(
            item
            for item in dict.fromkeys([*now, *before])
            if not item.startswith("_") and now.get(item, {}) != before.get(item, {})
        )
        found.append(Edit(result_id, user_id, when, changed))
        before = now
    return found


def last_changes(history: Iterable[Edit]) -> dict[str, Edit]:
    """Each item's last change (the history oldest first)."""
    last: dict[str, Edit] = {}
    for edit in history:
        for item in edit.items:
            last[item] = edit
    return last
