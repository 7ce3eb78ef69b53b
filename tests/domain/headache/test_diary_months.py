"""Months over 28-day periods (issue 10, finding 4): a period stands for a month of 28–31 days.

A rule is decided only if it holds for every month length (`bonta.domain.headache.periods`):
"≥ T a month" is met with ≥ T days in 28 and not met only if (count + missing) × 31 / 28 < T.
Thresholds are the reference's (clinical-reference §4.3 15 and 8, §4.4 10 and 15, §5 15).
"""

from __future__ import annotations

import pytest

from bonta.domain.headache.judgement import Judgement, over_months
from bonta.domain.headache.periods import (
    at_least_a_month,
    fewer_than_a_month,
    month_days,
    periods_for_months,
)

MET, NOT_MET, NE = Judgement.MET, Judgement.NOT_MET, Judgement.NOT_EVALUABLE


def test_a_month_is_28_to_31_days() -> None:
    assert month_days() == (28, 31)


@pytest.mark.parametrize(
    ("count", "missing", "expected"),
    [
        (15, 0, MET),  # 15 in 28: ≥15 in any month
        (14, 0, NE),  # 14 (28-day month) to 15.5 (31-day month)
        (13, 0, NOT_MET),  # at most 14.4
        (13, 1, NE),  # 14 possible with the missing day
        (12, 1, NOT_MET),  # at most 13 × 31 / 28 = 14.4
        (14, 1, NE),
        (15, 5, MET),
    ],
)
def test_at_least_15_a_month(count: int, missing: int, expected: Judgement) -> None:
    assert at_least_a_month(count, missing, 15) is expected


@pytest.mark.parametrize(("count", "expected"), [(10, MET), (9, NOT_MET), (8, MET), (7, NOT_MET)])
def test_thresholds_of_10_and_8_have_no_count_in_between(count: int, expected: Judgement) -> None:
    # 9 × 31 / 28 = 9.96 < 10 and 7 × 31 / 28 = 7.75 < 8: the 28-day count decides alone.
    threshold = 10 if count >= 9 else 8
    assert at_least_a_month(count, 0, threshold) is expected


@pytest.mark.parametrize(
    ("count", "missing", "expected"),
    [(13, 0, MET), (14, 0, NE), (15, 0, NOT_MET), (12, 1, MET), (13, 1, NE), (0, 13, MET)],
)
def test_fewer_than_15_a_month(count: int, missing: int, expected: Judgement) -> None:
    assert fewer_than_a_month(count, missing, 15) is expected


def test_three_months_are_three_or_four_periods_more_than_three_are_four() -> None:
    assert periods_for_months(3) == (3, 4)  # 84 days, or 93 → 4 periods (112 days)
    assert periods_for_months(3, more_than=True) == (4, 4)  # > 84 and > 93 days


@pytest.mark.parametrize(
    ("per_period", "expected"),
    [
        ([MET, MET, MET, MET], MET),
        ([MET, MET, MET], NE),  # 84 days: not sure to be 3 calendar months
        ([NOT_MET, MET, MET, MET], NE),  # only the oldest fails: 3 months by 28-day months
        ([MET, NOT_MET, MET, MET], NOT_MET),
        ([MET, MET, MET, NE], NE),
        ([NE, MET, MET, NOT_MET], NOT_MET),
    ],
)
def test_three_consecutive_months_over_periods(
    per_period: list[Judgement], expected: Judgement
) -> None:
    assert over_months(per_period, 3, 4) is expected
