"""28-day periods anchored on the first injection, 12-week cycles, and missing days."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from fractions import Fraction

import pytest

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.days import MedicationClass
from bonta.domain.headache.periods import count_days, cycles, period, periods

from .test_diary_builders import (
    BASELINE_START,
    FIRST_INJECTION,
    block,
    days_after,
    free,
    migraine,
    snapshot,
    tension,
    without,
)


def test_the_baseline_is_the_28_days_before_the_first_injection() -> None:
    diary = snapshot(block(BASELINE_START, 16, 9), [FIRST_INJECTION], as_of=FIRST_INJECTION)
    baseline = period(diary, -1)
    assert baseline.is_baseline
    assert baseline.label == "baseline"
    assert (baseline.counts.start, baseline.counts.end) == (date(2024, 12, 9), date(2025, 1, 5))
    assert (baseline.counts.headache_days, baseline.counts.migraine_days) == (16, 9)


def test_period_1_starts_on_the_first_injection_day() -> None:
    diary = snapshot(block(BASELINE_START, 16, 9), [FIRST_INJECTION], as_of=FIRST_INJECTION)
    first = period(diary, 0)
    assert first.label == "period 1"
    assert (first.counts.start, first.counts.end) == (FIRST_INJECTION, date(2025, 2, 2))
    assert not first.complete


def test_later_injections_do_not_move_the_periods() -> None:
    days = block(BASELINE_START, 16, 9, length=28 + 100)
    second = days_after(FIRST_INJECTION, 90)  # a late second injection
    diary = snapshot(days, [FIRST_INJECTION, second])
    starts = [p.counts.start for p in periods(diary)]
    assert starts == [days_after(FIRST_INJECTION, 28 * k) for k in range(-1, 4)]


def test_without_an_injection_the_last_period_ends_on_the_analysis_date() -> None:
    as_of = date(2025, 5, 31)
    diary = snapshot(block(days_after(as_of, -55), 10, 2, length=56), as_of=as_of)
    listed = periods(diary)
    assert [p.counts.end for p in listed] == [days_after(as_of, -28), as_of]
    assert all(p.complete and not p.is_baseline for p in listed)


def test_missing_days_are_reported_as_missing_never_as_headache_free() -> None:
    days = block(BASELINE_START, 16, 9)
    gappy = without(days, *(days_after(BASELINE_START, i) for i in range(20, 28)))  # free days
    counts = period(snapshot(gappy, [FIRST_INJECTION], FIRST_INJECTION), -1).counts
    assert counts.days_recorded == 20
    assert counts.days_missing == 8
    assert counts.headache_days == 16
    assert counts.days_recorded - counts.headache_days == 4  # headache-free: recorded only


def test_an_empty_baseline_is_still_listed_with_every_day_missing() -> None:
    later = block(FIRST_INJECTION, 10, 2)
    listed = periods(snapshot(later, [FIRST_INJECTION]))
    assert listed[0].is_baseline
    assert listed[0].counts.days_recorded == 0
    assert listed[0].counts.days_missing == 28


def test_acute_medication_days_are_counted_per_class_and_in_any_class() -> None:
    days = block(
        BASELINE_START,
        20,
        10,
        medication={MedicationClass.TRIPTAN: 10, MedicationClass.SIMPLE_ANALGESIC: 15},
    )
    counts = count_days({d.on: d for d in days}, BASELINE_START, days_after(BASELINE_START, 27))
    assert counts.acute_medication_days == 15  # the 10 triptan days also had an analgesic
    assert counts.acute_medication_days_by_class[MedicationClass.TRIPTAN] == 10
    assert counts.acute_medication_days_by_class[MedicationClass.SIMPLE_ANALGESIC] == 15
    assert counts.acute_medication_days_by_class[MedicationClass.GEPANT] == 0


def test_headache_days_of_4_hours_are_counted_apart() -> None:
    days = [tension(days_after(BASELINE_START, 0), hours=3), tension(days_after(BASELINE_START, 1))]
    counts = count_days({d.on: d for d in days}, BASELINE_START, days_after(BASELINE_START, 27))
    assert (counts.headache_days, counts.headache_days_4h) == (2, 1)


def test_a_rate_per_28_days_is_a_range_when_days_are_missing() -> None:
    days = block(BASELINE_START, 7, 0, length=14)  # 14 of 28 recorded, 7 headache days
    counts = count_days({d.on: d for d in days}, BASELINE_START, days_after(BASELINE_START, 27))
    assert counts.per_28_days(counts.headache_days) == (Fraction(7), Fraction(21))


def test_diary_entries_after_the_analysis_date_are_refused() -> None:
    with pytest.raises(InvalidInput, match="after"):
        snapshot([free(date(2025, 6, 2))], as_of=date(2025, 6, 1))


def test_an_injection_after_the_analysis_date_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        snapshot([free(date(2025, 6, 1))], [date(2025, 6, 2)], as_of=date(2025, 6, 1))
    assert raised.value.field == "injections"


# ---- 12-week cycles ----------------------------------------------------------------------------


def test_a_cycle_is_split_into_weeks_1_to_4_5_to_8_and_9_to_12() -> None:
    days = block(FIRST_INJECTION, 84, 0, length=84)
    (cycle,) = cycles(snapshot(days, [FIRST_INJECTION]))
    assert cycle.complete
    assert [(w.weeks, w.counts.start, w.counts.end) for w in cycle.windows] == [
        ("1-4", FIRST_INJECTION, days_after(FIRST_INJECTION, 27)),
        ("5-8", days_after(FIRST_INJECTION, 28), days_after(FIRST_INJECTION, 55)),
        ("9-12", days_after(FIRST_INJECTION, 56), days_after(FIRST_INJECTION, 83)),
    ]


def test_wearing_off_shows_in_the_weeks_9_to_12_window() -> None:
    days = (
        block(FIRST_INJECTION, 6, 2)
        + block(days_after(FIRST_INJECTION, 28), 6, 2)
        + block(days_after(FIRST_INJECTION, 56), 14, 8)
    )
    (cycle,) = cycles(snapshot(days, [FIRST_INJECTION]))
    assert [w.counts.headache_days for w in cycle.windows] == [6, 6, 14]
    assert cycle.counts.headache_days == 26


def test_an_early_next_injection_cuts_the_cycle_short() -> None:
    second = days_after(FIRST_INJECTION, 70)
    days = block(FIRST_INJECTION, 10, 0, length=100)
    first, _ = cycles(snapshot(days, [FIRST_INJECTION, second]))
    assert first.end == days_after(FIRST_INJECTION, 69)
    assert first.windows[-1].counts.days_in_window == 14  # weeks 9–12 cut to 14 days


def test_days_after_week_12_before_a_late_injection_are_in_no_window() -> None:
    second = days_after(FIRST_INJECTION, 98)
    days = block(FIRST_INJECTION, 10, 0, length=120)
    first, second_cycle = cycles(snapshot(days, [FIRST_INJECTION, second]))
    assert first.end == days_after(FIRST_INJECTION, 83)
    assert second_cycle.injection == second


def test_a_cycle_in_progress_lists_only_the_windows_that_have_begun() -> None:
    days = block(FIRST_INJECTION, 10, 0, length=40)
    (cycle,) = cycles(snapshot(days, [FIRST_INJECTION]))
    assert not cycle.complete
    assert [(w.weeks, w.complete) for w in cycle.windows] == [("1-4", True), ("5-8", False)]
    assert cycle.counts.days_missing == 84 - 40


def test_periods_cover_every_day_between_the_first_entry_and_the_analysis_date_once() -> None:
    days = [migraine(days_after(BASELINE_START, -40)), free(days_after(FIRST_INJECTION, 60))]
    listed = periods(snapshot(days, [FIRST_INJECTION]))
    for before, after in itertools.pairwise(listed):
        assert after.counts.start == before.counts.end + timedelta(days=1)
    assert listed[0].counts.start <= days[0].on
    assert listed[-1].counts.end >= days[-1].on
