"""NICE TA260 reads only the periods its rules use (issue 10): the verdict from those days is the
verdict from the whole diary, over generated diaries (derandomized) and fixed examples."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bonta.domain.headache.days import DiaryDay
from bonta.domain.headache.nice import (
    continuation_reads,
    initiation_reads,
    nice_continuation,
    nice_initiation,
)
from bonta.domain.headache.periods import diary_from

from .test_diary_properties import START, Case, diaries, regression_case

SAME = settings(max_examples=200, deadline=None, derandomize=True)


def within(days: list[DiaryDay], spans: tuple[tuple[date, date], ...]) -> list[DiaryDay]:
    return [d for d in days if any(first <= d.on <= last for first, last in spans)]


def as_of_earlier(case: Case, back: int) -> Case:
    """The same diary judged `back` days earlier (days and sessions after it not yet lived)."""
    days, injections, as_of = case
    on = as_of - timedelta(days=back)
    return [d for d in days if d.on <= on], [i for i in injections if i <= on], on


def assert_same_continuation(case: Case) -> None:
    days, injections, as_of = case
    whole = nice_continuation(diary_from(days, injections, as_of))
    reads = continuation_reads(injections, as_of)
    bounded = nice_continuation(diary_from(within(days, reads), injections, as_of))
    assert bounded == whole


def assert_same_initiation(case: Case) -> None:
    days, _, as_of = case
    whole = nice_initiation(diary_from(days, (), as_of), 3, True)
    part = within(days, initiation_reads(as_of))
    assert nice_initiation(diary_from(part, (), as_of), 3, True) == whole


@given(diaries(), st.integers(0, 300))
@SAME
@example(regression_case(), 0)
def test_the_continuation_from_the_periods_read_is_the_whole_diarys(case: Case, back: int) -> None:
    assert_same_continuation(as_of_earlier(case, back))


@given(diaries(), st.integers(0, 300))
@SAME
def test_the_initiation_from_the_baseline_read_is_the_whole_diarys(case: Case, back: int) -> None:
    assert_same_initiation(as_of_earlier(case, back))


# ---- fixed examples --------------------------------------------------------------------------


def headache_every(n: int, start: date, length: int) -> list[DiaryDay]:
    return [
        DiaryDay(start + timedelta(days=i), headache=i % n == 0, hours=Decimal(0))
        for i in range(length)
    ]


def test_two_years_of_diary_with_eight_cycles_read_only_three_spans() -> None:
    days = headache_every(2, START, 730)
    first = START + timedelta(days=60)
    injections = [first + timedelta(days=84 * k) for k in range(8)]
    as_of = START + timedelta(days=729)
    reads = continuation_reads(injections, as_of)
    assert reads[0] == (first - timedelta(days=28), first - timedelta(days=1))  # baseline
    assert reads[1] == (injections[1], injections[2] - timedelta(days=1))  # cycle 2
    last_first, last_end = reads[2]  # the 4 periods the episodic rule judges (issue 10)
    assert (last_end - last_first).days + 1 == 4 * 28
    assert last_end <= as_of
    assert sum((b - a).days + 1 for a, b in reads) == 28 + 84 + 112
    assert_same_continuation((days, injections, as_of))


def test_before_cycle_2_only_the_baseline_and_what_has_begun_are_read() -> None:
    first = START + timedelta(days=60)
    days = headache_every(3, START, 100)
    as_of = START + timedelta(days=99)  # one injection, 40 days in: no period of 4 complete
    reads = continuation_reads([first], as_of)
    assert reads == ((first - timedelta(days=28), first - timedelta(days=1)),)
    assert_same_continuation((days, [first], as_of))


def test_cycle_2_still_running_is_read_up_to_as_of() -> None:
    first = START + timedelta(days=60)
    injections = [first, first + timedelta(days=84)]
    as_of = injections[1] + timedelta(days=20)
    days = headache_every(4, START, (as_of - START).days + 1)
    assert (injections[1], as_of) in continuation_reads(injections, as_of)
    assert_same_continuation((days, injections, as_of))


def test_no_injection_reads_nothing_for_continuation_and_the_last_28_days_to_start() -> None:
    as_of = START + timedelta(days=200)
    assert continuation_reads([], as_of) == ()
    assert initiation_reads(as_of) == ((as_of - timedelta(days=27), as_of),)
    assert_same_initiation((headache_every(2, START, 201), [], as_of))
