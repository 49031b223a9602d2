"""A group report kept as JSON for a later build draws the same chart and XLSX, and keeps no
more than those files show (no count for a row hidden for fewer than 5)."""

from __future__ import annotations

import io
import json
import random
from datetime import date

from openpyxl import load_workbook

from flows.digcomp.content import default_competences
from flows.groups.aggregate import change, group_profile
from flows.groups.recipe import report_from_json, report_json
from flows.groups.report import Comparison, GroupReport

COMPETENCES = default_competences()


def _people(seed: int, size: int) -> list[dict[str, int | None]]:
    rng = random.Random(seed)
    people: list[dict[str, int | None]] = []
    for person in range(size):
        levels: dict[str, int | None] = {c.code: rng.randint(1, 6) for c in COMPETENCES}
        if person < 3:  # 5.4 assessed by too few: its row is hidden
            levels["5.4"] = None
        people.append(levels)
    return people


def _report(lang: str, comparison: Comparison | None) -> GroupReport:
    profile = group_profile(_people(1, 7), COMPETENCES)
    assert profile is not None
    return GroupReport(
        profile,
        COMPETENCES,
        group="3.B mehatroniķi",
        round_name="Pēc",
        closed_on=date(2027, 3, 14),
        lang=lang,
        comparison=comparison,
    )


def _sheets(data: bytes) -> dict[str, list[list[object]]]:
    book = load_workbook(io.BytesIO(data))
    return {s.title: [[c.value for c in row] for row in s.iter_rows()] for s in book}


def test_the_report_made_from_its_json_draws_the_same_files() -> None:
    before = dict(enumerate(_people(2, 6)))
    after = dict(enumerate(_people(3, 6)))
    changed = change(before, after, COMPETENCES)
    assert changed is not None
    for lang, comparison in (
        ("lv", Comparison("Pirms", *changed)),
        ("en", Comparison("Before", None)),
        ("lv", None),
    ):
        report = _report(lang, comparison)
        data = json.loads(json.dumps(report_json(report)))  # stored as JSON
        again = report_from_json(data, COMPETENCES)
        assert again.chart_bytes() == report.chart_bytes()
        assert _sheets(again.xlsx_bytes()) == _sheets(report.xlsx_bytes())
        assert again.messages() == report.messages()
        assert again.chart_file().filename == report.chart_file().filename


def test_a_hidden_rows_count_is_not_kept() -> None:
    report = _report("lv", None)
    (hidden,) = [r for r in report.profile.competences if not r.shown]
    assert hidden.code == "5.4" and hidden.assessed == 4
    kept = {row["code"]: row for row in report_json(report)["competences"]}
    assert kept["5.4"] == {
        "code": "5.4",
        "assessed": 0,
        "cells": [None] * 4,
        "mean": None,
        "shown": False,
    }
    assert set(report_json(report)) == {
        "group", "round", "closed_on", "lang", "finished", "areas", "competences", "weakest",
        "comparison",
    }  # fmt: skip
