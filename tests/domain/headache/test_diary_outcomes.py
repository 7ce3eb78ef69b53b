"""Reduction in headache days against the baseline and responder status (30 %, 50 %)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from bonta.domain.headache.judgement import Judgement
from bonta.domain.headache.outcomes import (
    headache_day_reduction,
    percent_for_display,
    reduction_reaches,
    responder_status,
    responder_thresholds,
)
from bonta.domain.headache.periods import DayCounts, count_days

from .test_diary_builders import BASELINE_START, FIRST_INJECTION, block, days_after


def counts(headache: int, length: int = 28, recorded: int | None = None) -> DayCounts:
    start = FIRST_INJECTION
    recorded = length if recorded is None else recorded
    days = block(start, headache, 0, length=recorded)
    return count_days({d.on: d for d in days}, start, days_after(start, length - 1))


def baseline(headache: int, recorded: int = 28) -> DayCounts:
    days = block(BASELINE_START, headache, 0, length=recorded)
    return count_days({d.on: d for d in days}, BASELINE_START, days_after(BASELINE_START, 27))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Fraction("29.9"), Judgement.NOT_MET), (Fraction(30), Judgement.MET)],
)
def test_29_9_percent_is_below_30_and_30_percent_reaches_it(
    value: Fraction, expected: Judgement
) -> None:
    assert reduction_reaches(value, value, Fraction(30)) is expected


def test_a_reduction_from_20_to_14_headache_days_is_exactly_30_percent() -> None:
    reduction = headache_day_reduction(baseline(20), counts(14))
    assert reduction.exact_percent == 30
    assert responder_status(reduction) == {30: Judgement.MET, 50: Judgement.NOT_MET}


def test_a_reduction_from_20_to_15_is_25_percent_not_a_responder() -> None:
    reduction = headache_day_reduction(baseline(20), counts(15))
    assert reduction.exact_percent == 25
    assert reduction.reaches(30) is Judgement.NOT_MET


def test_a_reduction_from_20_to_10_is_a_50_percent_responder() -> None:
    assert responder_status(headache_day_reduction(baseline(20), counts(10)))[50] is Judgement.MET


def test_a_12_week_window_is_compared_per_28_days() -> None:
    reduction = headache_day_reduction(baseline(20), counts(42, length=84))  # 14 per 28 days
    assert reduction.exact_percent == 30


def test_missing_days_turn_the_reduction_into_a_range() -> None:
    reduction = headache_day_reduction(baseline(20), counts(12, recorded=26))  # 2 missing
    assert reduction.lowest_percent == 30
    assert reduction.highest_percent == 40
    assert reduction.exact_percent is None
    assert reduction.reaches(30) is Judgement.MET  # even two more headache days keep 30 %
    assert reduction.reaches(35) is Judgement.NOT_EVALUABLE


def test_no_headache_day_at_baseline_makes_a_reduction_undefined() -> None:
    reduction = headache_day_reduction(baseline(0), counts(0))
    assert reduction.highest_percent is None
    assert reduction.reaches(30) is Judgement.NOT_EVALUABLE


def test_a_baseline_that_may_have_had_no_headache_day_decides_nothing() -> None:
    # Issue 10, finding 1 (the property test's counter-example): 27 headache-free baseline
    # days and one missing. Filled as a headache day the reduction is far below 30 %; filled
    # as headache-free the baseline has none and a reduction is undefined (as for the complete
    # diary). No answer holds for both, so the 30 % rule (clinical-reference §5) is open.
    reduction = headache_day_reduction(baseline(0, recorded=27), counts(20))
    assert reduction.lowest_percent is None
    assert reduction.highest_percent == -1900  # 100 × (1 − 20 / 1): far below 30 %
    assert reduction.reaches(30) is Judgement.NOT_EVALUABLE
    assert reduction.reaches(50) is Judgement.NOT_EVALUABLE


def test_one_recorded_baseline_headache_day_decides_again() -> None:
    # 1 headache day of 27 recorded (baseline 1–2 per 28 days) against 20: every completion
    # gives a reduction far below 30 % (at best 100 × (1 − 20/2) = −900 %).
    reduction = headache_day_reduction(baseline(1, recorded=27), counts(20))
    assert reduction.highest_percent == -900
    assert reduction.reaches(30) is Judgement.NOT_MET


def test_a_display_never_rounds_up_to_a_threshold() -> None:
    assert percent_for_display(Fraction(2999, 100)) == Decimal("29.9")
    assert percent_for_display(Fraction(30)) == Decimal("30.0")


def test_50_percent_is_flagged_as_a_reporting_convention_not_in_the_reference() -> None:
    by_percent = {t.reduction_percent: t for t in responder_thresholds()}
    assert not by_percent[30].needs_verification
    assert "NICE TA260 1.2" in by_percent[30].source
    assert by_percent[50].needs_verification
