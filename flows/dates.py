"""Dates as people type them (15.12.2026, 15.12.26, 2026-12-15, 15/12/2026) and as we show them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAY_FIRST = re.compile(r"^(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{2}|\d{4})\.?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
REMINDER_HOUR = time(9, 0)  # reminders go out at 9:00 Latvian time


def _zone() -> ZoneInfo | None:
    try:
        return ZoneInfo("Europe/Riga")
    except ZoneInfoNotFoundError:  # no time-zone data installed: UTC
        return None


ZONE = _zone()


def parse_date(text: str) -> date | None:
    """The date in ``text``, or None when it is not a real date."""
    text = text.strip()
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.match(text):
        day, month, year = (int(g) for g in match.groups())
        if year < 100:
            year += 2000
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def show_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


_as_of: ContextVar[date | None] = ContextVar("as_of", default=None)


def local_today() -> date:
    """Today in Latvia (or the day ``as_of`` sets, while it does)."""
    return _as_of.get() or datetime.now(ZONE).date()


@contextmanager
def as_of(day: date) -> Iterator[None]:
    """``local_today()`` is ``day`` inside the block (in this thread or task only): a document
    made again later is made as it was on the day it was asked for."""
    token = _as_of.set(day)
    try:
        yield
    finally:
        _as_of.reset(token)


def local_date(moment: datetime) -> date:
    return moment.astimezone(ZONE).date() if ZONE else moment.date()


def reminder_time(day: date) -> datetime:
    """The moment a reminder for ``day`` is due: 9:00 in Latvia, as an aware datetime."""
    return datetime.combine(day, REMINDER_HOUR, tzinfo=ZONE or UTC)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def add_weeks(day: date, weeks: int) -> date:
    return day + timedelta(weeks=weeks)
