"""Working hours between two moments: Monday to Friday, 09:00 to 17:00 UTC (bank holidays are not known here and
count as working days). A case that arrived on Friday evening is not "old" on Monday morning."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

DAY_START = time(9, 0)
DAY_END = time(17, 0)
HOURS_A_DAY = 8
WORKING_DAYS = 5  # Monday (0) to Friday (4)


def _day_hours(day: datetime, start: datetime, end: datetime) -> float:
    """Working hours of DAY's working window that fall between START and END."""
    if day.weekday() >= WORKING_DAYS:
        return 0.0
    opens = datetime.combine(day.date(), DAY_START, tzinfo=UTC)
    closes = datetime.combine(day.date(), DAY_END, tzinfo=UTC)
    seconds = (min(closes, end) - max(opens, start)).total_seconds()
    return max(0.0, seconds / 3600)


def working_hours_between(start: datetime, end: datetime) -> float:
    """The working hours from START to END (0 when END is not after START)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0.0
    total = 0.0
    day = datetime.combine(start.date(), time(0), tzinfo=UTC)
    # Whole weeks at once, so a case a year old costs no more than one a week old.
    weeks = max(0, (end - day).days // 7 - 1)
    if weeks:
        total += _day_hours_span(day, start, day + timedelta(days=7))
        total += (weeks - 1) * WORKING_DAYS * HOURS_A_DAY
        day += timedelta(days=7 * weeks)
        start = day
    while day < end:
        total += _day_hours(day, start, end)
        day += timedelta(days=1)
    return total


def _day_hours_span(first: datetime, start: datetime, until: datetime) -> float:
    total, day = 0.0, first
    while day < until:
        total += _day_hours(day, start, until)
        day += timedelta(days=1)
    return total
