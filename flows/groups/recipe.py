"""A group report as JSON, for the webhook's document job that draws its chart and XLSX later.

It carries only what those files show: the aggregate (learners per band with the small cells
already hidden, the means, the three weakest competences, the change between rounds) and the
group's name, the rounds' names, the closing date and the language. No learner's id, answers or
levels: a row hidden for fewer than ``MIN_COUNT`` people keeps not even how many assessed it.
``report_from_json(report_json(r))`` draws the same files as ``r``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flows.digcomp.content import Competence
from flows.groups.aggregate import Change, GroupProfile, Row
from flows.groups.report import Comparison, GroupReport

JSON = dict[str, Any]


def report_json(report: GroupReport) -> JSON:
    """What ``report``'s files are drawn from, as JSON."""
    profile, comparison = report.profile, report.comparison
    return {
        "group": report.group,
        "round": report.round_name,
        "closed_on": report.closed_on.isoformat(),
        "lang": report.lang,
        "finished": profile.finished,
        "areas": [_row_json(row) for row in profile.areas],
        "competences": [_row_json(row) for row in profile.competences],
        "weakest": list(profile.weakest),
        "comparison": None
        if comparison is None
        else {
            "round": comparison.round_name,
            "learners": comparison.learners,
            "areas": [[c.area, c.before, c.after] for c in comparison.areas],
        },
    }


def report_from_json(data: Mapping[str, Any], competences: Sequence[Competence]) -> GroupReport:
    """The report ``report_json`` described."""
    profile = GroupProfile(
        int(data["finished"]),
        tuple(_row(row) for row in data["areas"]),
        tuple(_row(row) for row in data["competences"]),
        tuple(str(code) for code in data["weakest"]),
    )
    found = data.get("comparison")
    comparison = None
    if found is not None:
        learners = found["learners"]
        comparison = Comparison(
            str(found["round"]),
            None if learners is None else int(learners),
            tuple(Change(str(area), before, after) for area, before, after in found["areas"]),
        )
    return GroupReport(
        profile,
        competences,
        group=str(data["group"]),
        round_name=str(data["round"]),
        closed_on=date.fromisoformat(str(data["closed_on"])),
        lang=str(data["lang"]),
        comparison=comparison,
    )


def _row_json(row: Row) -> JSON:
    # A hidden row is drawn grey whatever its count: the count is not kept.
    return {
        "code": row.code,
        "assessed": row.assessed if row.shown else 0,
        "cells": list(row.cells),
        "mean": row.mean,
        "shown": row.shown,
    }


def _row(data: Mapping[str, Any]) -> Row:
    cells = tuple(None if cell is None else int(cell) for cell in data["cells"])
    mean = data["mean"]
    return Row(
        str(data["code"]),
        int(data["assessed"]),
        cells,
        None if mean is None else float(mean),
        bool(data["shown"]),
    )
