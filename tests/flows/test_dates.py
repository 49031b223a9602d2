"""Dates as people type them, and month arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from flows.dates import add_months, parse_date, reminder_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.12.2026", date(2026, 12, 15)),
        ("15.12.26", date(2026, 12, 15)),
        ("5.1.2027.", date(2027, 1, 5)),
        ("2027-01-05", date(2027, 1, 5)),
        ("15/12/2026", date(2026, 12, 15)),
        ("31.02.2027", None),
        ("rīt", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_add_months_clamps_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 25), 3) == date(2027, 2, 25)


def test_reminders_are_due_at_nine_in_latvia() -> None:
    moment = reminder_time(date(2027, 1, 15))
    assert (moment.hour, moment.utcoffset().total_seconds()) == (9, 7200)
