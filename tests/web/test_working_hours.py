"""The age warning counts working hours (Monday to Friday, 09:00-17:00 UTC): a case that came in on Friday evening
is not old on Monday morning; one that waited over a whole week has 40 hours per week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbot.review.working_hours import working_hours_between

FRIDAY_EVENING = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)  # Friday 20 November 2026


def test_a_weekend_is_not_working_time() -> None:
    assert working_hours_between(FRIDAY_EVENING, datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) == 0
    assert working_hours_between(FRIDAY_EVENING, datetime(2026, 11, 23, 11, 30, tzinfo=UTC)) == 2.5


def test_part_days_at_both_ends_and_the_day_outside_hours() -> None:
    start = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)  # Tuesday 15:00
    assert working_hours_between(start, datetime(2026, 11, 18, 10, 0, tzinfo=UTC)) == 3  # 2 + 1
    assert working_hours_between(start, start - timedelta(hours=1)) == 0
    night = datetime(2026, 11, 17, 20, 0, tzinfo=UTC)
    assert working_hours_between(night, night + timedelta(hours=10)) == 0  # to 06:00 the next day


def test_long_waits_count_forty_hours_a_week_whatever_the_start() -> None:
    for offset in range(0, 7 * 24, 5):  # every start hour of a week
        start = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(hours=offset)
        one = working_hours_between(start, start + timedelta(days=7))
        assert one == 40, start
        assert working_hours_between(start, start + timedelta(days=7 * 52)) == 52 * 40, start
        assert working_hours_between(start, start + timedelta(days=7 * 3, hours=26)) == \
            3 * 40 + working_hours_between(start + timedelta(days=21), start + timedelta(days=21, hours=26))
