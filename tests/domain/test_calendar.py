"""Calendar months, label intervals and age (reference §1.5, §2.4, §3)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonta.domain.calendar import Interval, add_months, age_on


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 5, 31), -3, date(2025, 2, 28)),
        (date(2024, 5, 31), -3, date(2024, 2, 29)),
        (date(2026, 3, 31), -3, date(2025, 12, 31)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2026, 6, 15), -3, date(2026, 3, 15)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 6, 15), 0, date(2026, 6, 15)),
    ],
)
def test_add_months_clamps_to_the_last_day_of_a_shorter_month(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def test_intervals_count_days_weeks_and_calendar_months() -> None:
    start = date(2026, 1, 1)
    assert Interval(90, "days", "s").after(start) == date(2026, 4, 1)
    assert Interval(12, "weeks", "s").after(start) == date(2026, 3, 26)  # 84 days
    assert Interval(3, "months", "s").after(start) == date(2026, 4, 1)
    assert Interval(3, "months", "s").before(date(2026, 5, 31)) == date(2026, 2, 28)
    assert Interval(12, "weeks", "s").before(date(2026, 3, 26)) == start
    assert Interval(90, "days", "s").before(date(2026, 4, 1)) == start


@pytest.mark.parametrize(
    ("interval", "text"),
    [
        (Interval(90, "days", "s"), "90 days"),
        (Interval(12, "weeks", "s"), "12 weeks"),
        (Interval(3, "months", "s"), "3 months"),
        (Interval(1, "months", "s"), "1 month"),
    ],
)
def test_intervals_describe_themselves(interval: Interval, text: str) -> None:
    assert interval.describe() == text


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2008, 6, 15), date(2026, 6, 14), 17),
        (date(2008, 6, 15), date(2026, 6, 15), 18),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2008, 12, 31), date(2027, 1, 1), 18),
    ],
)
def test_age_is_completed_years(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


in_range_dates = st.dates(date(100, 1, 1), date(9800, 12, 31))
month_offsets = st.integers(-1000, 1000)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


@given(in_range_dates, month_offsets)
def test_add_months_never_raises_and_never_overflows_the_month(day: date, months: int) -> None:
    result = add_months(day, months)
    assert month_index(result) - month_index(day) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


@given(in_range_dates, in_range_dates, month_offsets)
def test_add_months_keeps_date_order(a: date, b: date, months: int) -> None:
    earlier, later = sorted((a, b))
    assert add_months(earlier, months) <= add_months(later, months)


@given(in_range_dates, st.integers(0, 1000))
def test_going_forward_then_back_never_lands_after_the_start(day: date, months: int) -> None:
    assert add_months(add_months(day, months), -months) <= day


@given(st.dates(date(1900, 1, 1), date(2100, 1, 1)), st.integers(1, 100))
def test_age_turns_n_on_the_nth_birthday_and_not_a_day_earlier(born: date, n: int) -> None:
    birthday = add_months(born, 12 * n)
    if (born.month, born.day) == (2, 29) and birthday.day == 28:
        birthday += timedelta(days=1)  # a leapling's birthday in a common year is 1 March
    assert age_on(born, birthday) == n
    assert age_on(born, birthday - timedelta(days=1)) == n - 1
