"""NICE TA260: initiation (1.1) and the stopping rules (1.2).

Reference: clinical-reference §5. Initiation needs ≥15 headache days of which ≥8 migraine per
month, ≥3 failed preventive medicines and overuse managed; stop after 2 cycles if the reduction
in headache days per month is below 30 %, or after 3 consecutive months under 15 headache days.
"""

from __future__ import annotations

from datetime import date

import pytest

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.days import DiaryDay
from bonta.domain.headache.judgement import Judgement
from bonta.domain.headache.nice import (
    Continuation,
    Initiation,
    Verdict,
    nice_continuation,
    nice_initiation,
)

from .test_diary_builders import (
    BASELINE_START,
    FIRST_INJECTION,
    block,
    days_after,
    periods_of,
    snapshot,
    without,
)

D = FIRST_INJECTION


def inject(*weeks: int) -> list[date]:
    return [days_after(D, 7 * w) for w in weeks]


# ---- TA260 1.1 initiation ----------------------------------------------------------------------


def initiation(
    headache: int, migraine: int, failed: int | None = 3, managed: bool | None = True
) -> Initiation:
    diary = snapshot(block(BASELINE_START, headache, migraine), [D], as_of=D)
    return nice_initiation(diary, failed, managed)


def test_a_patient_meeting_every_criterion_is_eligible() -> None:
    found = initiation(15, 8)
    assert found.eligible
    assert found.judgement is Judgement.MET
    assert found.reasons[0] == (
        "chronic migraine (NICE TA260 1.1: ≥15 headache days of which ≥8 with migraine, "
        "per month): baseline (2024-12-09 to 2025-01-05) has 15 headache days and 8 migraine "
        "days, 28 of 28 days recorded: met"
    )


def test_13_headache_days_are_not_chronic_migraine_by_nice() -> None:
    found = initiation(13, 8)  # at most 13 × 31 / 28 = 14.4 a month
    assert not found.eligible
    assert found.chronic_migraine is Judgement.NOT_MET


def test_14_headache_days_in_28_never_make_a_patient_eligible() -> None:
    # Issue 10, finding 4: 14 in 28 days is 14 to 15.5 a month; starting is never decided on
    # the reading that favours it, so NICE's ≥15 (clinical-reference §5) is not evaluable.
    found = initiation(14, 8)
    assert not found.eligible
    assert found.chronic_migraine is Judgement.NOT_EVALUABLE


def test_7_migraine_days_are_not_chronic_migraine_by_nice() -> None:
    assert initiation(15, 7).chronic_migraine is Judgement.NOT_MET


@pytest.mark.parametrize(("failed", "expected"), [(2, Judgement.NOT_MET), (3, Judgement.MET)])
def test_at_least_three_preventive_medicines_must_have_failed(
    failed: int, expected: Judgement
) -> None:
    found = initiation(20, 10, failed=failed)
    assert found.failed_preventives is expected
    assert found.eligible is (expected is Judgement.MET)


def test_an_unrecorded_number_of_preventives_is_not_guessed() -> None:
    found = initiation(20, 10, failed=None)
    assert not found.eligible
    assert found.judgement is Judgement.NOT_EVALUABLE
    assert "not recorded" in found.reasons[1]


@pytest.mark.parametrize(
    ("managed", "expected"),
    [(None, Judgement.NOT_EVALUABLE), (False, Judgement.NOT_MET), (True, Judgement.MET)],
)
def test_medication_overuse_management_is_a_clinicians_statement(
    managed: bool | None, expected: Judgement
) -> None:
    assert initiation(20, 10, managed=managed).overuse_managed is expected


def test_a_negative_number_of_preventives_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        initiation(20, 10, failed=-1)
    assert raised.value.field == "failed_preventives"


def test_a_gappy_baseline_that_might_reach_15_is_not_evaluable() -> None:
    days = without(block(BASELINE_START, 14, 8), days_after(BASELINE_START, 27))
    found = nice_initiation(snapshot(days, [D], as_of=D), 3, True)
    assert found.chronic_migraine is Judgement.NOT_EVALUABLE
    assert not found.eligible


def test_before_any_injection_the_28_days_ending_today_are_judged() -> None:
    as_of = date(2025, 3, 31)
    days = block(days_after(as_of, -27), 16, 9)
    found = nice_initiation(snapshot(days, as_of=as_of), 3, True)
    assert found.eligible
    assert found.baseline.counts.end == as_of


# ---- TA260 1.2 continuation --------------------------------------------------------------------


def course(baseline: tuple[int, int], *on_treatment: int) -> list[DiaryDay]:
    """A baseline, then fully recorded 28-day periods with the given headache days."""
    return block(BASELINE_START, *baseline) + periods_of(D, *((h, 0) for h in on_treatment))


def verdict_of(
    days: list[DiaryDay], injections: list[date], as_of: date | None = None
) -> Continuation:
    return nice_continuation(snapshot(days, injections, as_of))


def test_no_injection_is_not_yet_evaluable() -> None:
    found = verdict_of(block(BASELINE_START, 20, 10), [])
    assert found.verdict is Verdict.NOT_YET_EVALUABLE
    assert "no injection" in found.reasons[0]


def test_one_cycle_is_not_yet_evaluable_for_response() -> None:
    found = verdict_of(course((20, 10), 18, 18, 18), inject(0))
    assert found.verdict is Verdict.NOT_YET_EVALUABLE
    assert "1 injection(s) recorded, 2 cycles needed" in found.reasons[0]


def test_an_unfinished_second_cycle_is_not_yet_evaluable() -> None:
    found = verdict_of(course((20, 10), 18, 18, 18, 18, 18), inject(0, 12))
    assert found.verdict is Verdict.NOT_YET_EVALUABLE
    assert "cycle 2 (2025-03-31 to 2025-06-22) is not complete" in found.reasons[0]


def test_exactly_30_percent_after_two_cycles_continues() -> None:
    # baseline 20; cycle 2 (periods 4–6) 42 headache days = 14 per 28 days = 30 % fewer;
    # cycle 3 back above 15 a month, so the episodic rule does not apply.
    days = course((20, 10), 16, 16, 16, 14, 14, 14, 16, 16, 16)
    found = verdict_of(days, inject(0, 12, 24))
    assert found.verdict is Verdict.CONTINUE
    assert found.reduction is not None
    assert found.reduction.exact_percent == 30
    assert found.inadequate_response is Judgement.NOT_MET
    assert "reduction 30.0%: adequate (≥30%)" in found.reasons[0]


def test_one_more_headache_day_in_cycle_2_is_an_inadequate_response() -> None:
    days = course((20, 10), 16, 16, 16, 14, 14, 15, 16, 16, 16)  # 43 days: 28.3 %
    found = verdict_of(days, inject(0, 12, 24))
    assert found.verdict is Verdict.STOP_INADEQUATE_RESPONSE
    assert "reduction 28.3%: inadequate (<30%): stop" in found.reasons[0]


def test_an_adequate_responder_above_15_days_continues() -> None:
    days = course((28, 14), 19, 19, 19, 19, 19, 20)  # cycle 2: 58 → 30.95 %
    found = verdict_of(days, inject(0, 12))
    assert found.verdict is Verdict.CONTINUE
    assert found.episodic is Judgement.NOT_MET


def test_59_headache_days_against_a_baseline_of_28_is_29_8_percent() -> None:
    days = course((28, 14), 19, 19, 19, 19, 20, 20)  # cycle 2: 59 → 29.76 %
    found = verdict_of(days, inject(0, 12))
    assert found.verdict is Verdict.STOP_INADEQUATE_RESPONSE
    assert "reduction 29.7%" in found.reasons[0]  # rounded down: never shown as 30


def test_four_periods_of_13_headache_days_stop_as_episodic() -> None:
    # <15 a month even as 31-day months (13 × 31 / 28 = 14.4), over 4 periods (112 days ≥ the
    # 92 of any 3 calendar months): the episodic stop holds whatever the month length.
    found = verdict_of(course((20, 10), 13, 13, 13, 13), inject(0))
    assert found.verdict is Verdict.STOP_EPISODIC
    assert found.episodic is Judgement.MET
    assert [p.counts.headache_days for p in found.episodic_periods] == [13, 13, 13, 13]


def test_three_periods_of_13_are_84_days_shorter_than_three_calendar_months() -> None:
    found = verdict_of(course((20, 10), 13, 13, 13), inject(0))
    assert found.episodic is Judgement.NOT_EVALUABLE
    assert found.verdict is Verdict.NOT_YET_EVALUABLE  # wait a period; nothing is missing
    assert found.review == ()


def test_four_periods_of_14_headache_days_do_not_stop_but_ask_for_review() -> None:
    # 14 in 28 days is 14 to 15.5 a month: stopping is never decided on the 28-day reading.
    found = verdict_of(course((20, 10), 14, 14, 14, 14), inject(0))
    assert found.episodic is Judgement.NOT_EVALUABLE
    assert found.verdict is Verdict.REVIEW_NOT_EVALUABLE
    assert len(found.review) == 1
    assert (
        "period 4 (2025-03-31 to 2025-04-27): 0 of 28 days missing, 14 headache days"
        in (found.review[0])
    )


def test_15_headache_days_in_the_oldest_of_four_periods_wait_for_the_next() -> None:
    # 3 episodic periods (84 days) after a 15: episodic by 28-day months, not yet by 31-day
    # ones, so neither a stop nor a "no".
    found = verdict_of(course((20, 10), 15, 13, 13, 13), inject(0))
    assert found.episodic is Judgement.NOT_EVALUABLE
    assert found.verdict is Verdict.NOT_YET_EVALUABLE


def test_15_headache_days_in_one_of_the_three_months_is_not_episodic() -> None:
    found = verdict_of(course((20, 10), 14, 15, 14), inject(0))
    assert found.episodic is Judgement.NOT_MET
    assert found.verdict is Verdict.NOT_YET_EVALUABLE


def test_two_months_under_15_are_not_yet_three() -> None:
    found = verdict_of(course((20, 10), 10, 10), inject(0))
    assert found.episodic is Judgement.NOT_EVALUABLE
    assert "2 complete 28-day period(s) since the first injection" in found.reasons[-1]


def test_a_missing_day_that_could_make_13_into_14_leaves_episodic_undecided() -> None:
    days = course((20, 10), 13, 13, 13, 13)
    gappy = without(days, days_after(D, 28 * 4 - 1))  # a headache-free day of period 4
    found = verdict_of(gappy, inject(0), as_of=days_after(D, 28 * 4 - 1))
    assert found.episodic is Judgement.NOT_EVALUABLE
    assert found.verdict is Verdict.REVIEW_NOT_EVALUABLE  # the rule is due, the diary is short
    assert found.review == (
        "episodic (NICE TA260 1.2): review these periods, either side of <15 headache days a "
        "month (missing days, or a month of 28 to 31 days): "
        "period 4 (2025-03-31 to 2025-04-27): 1 of 28 days missing, 13 headache days",
    )


def test_missing_days_either_side_of_30_percent_are_for_review() -> None:
    days = course((20, 10), 16, 16, 16, 14, 14, 14, 16, 16, 16)
    cycle_2_free_days = [days_after(D, 28 * k + 27) for k in (3, 4, 5)]
    found = verdict_of(without(days, *cycle_2_free_days), inject(0, 12, 24))
    assert found.inadequate_response is Judgement.NOT_EVALUABLE
    assert found.episodic is Judgement.NOT_MET
    assert found.verdict is Verdict.REVIEW_NOT_EVALUABLE
    assert "either side of 30%" in found.reasons[0]
    assert found.review == (
        "response (NICE TA260 1.2): review the missing diary days: "
        "cycle 2 (2025-03-31 to 2025-06-22): 3 of 84 days missing",
    )


# Issue 10, finding 2: no "continue" while a stopping rule is not evaluable.


def test_an_adequate_response_with_no_diary_in_the_latest_period_is_for_review() -> None:
    # Cycle 2 (periods 4–6): 42 headache days = 30 % fewer than 20 per 28 (adequate); period 7
    # has no diary, so "<15 headache days for 3 consecutive months" (clinical-reference §5)
    # could be true or false: not "continue".
    days = course((20, 10), 16, 16, 16, 16, 13, 13)
    as_of = days_after(D, 28 * 7 - 1)  # period 7 complete, none of it recorded
    found = verdict_of(days, inject(0, 12), as_of=as_of)
    assert found.inadequate_response is Judgement.NOT_MET
    assert found.episodic is Judgement.NOT_EVALUABLE
    assert found.verdict is Verdict.REVIEW_NOT_EVALUABLE
    assert found.review == (
        "episodic (NICE TA260 1.2): review these periods, either side of <15 headache days a "
        "month (missing days, or a month of 28 to 31 days): "
        "period 7 (2025-06-23 to 2025-07-20): 28 of 28 days missing, 0 headache days",
    )


def test_the_same_period_recorded_with_15_headache_days_continues() -> None:
    days = course((20, 10), 16, 16, 16, 14, 14, 14, 15)
    found = verdict_of(days, inject(0, 12))
    assert found.episodic is Judgement.NOT_MET
    assert found.verdict is Verdict.CONTINUE
    assert found.review == ()


def test_an_adequate_response_before_three_periods_are_complete_is_not_yet_evaluable() -> None:
    # An early second and third injection: cycle 2 is complete before the third 28-day period
    # ends, so the episodic rule is not yet due — neither "continue" nor "review".
    days = course((20, 10), 10, 10)
    found = verdict_of(days, [D, days_after(D, 14), days_after(D, 28)], as_of=days_after(D, 55))
    assert found.inadequate_response is Judgement.NOT_MET
    assert found.episodic is Judgement.NOT_EVALUABLE
    assert found.verdict is Verdict.NOT_YET_EVALUABLE
    assert found.review == ()


def test_a_missing_baseline_day_of_a_headache_free_baseline_is_for_review() -> None:
    days = without(course((0, 0), 20, 20, 20, 20, 20, 20), BASELINE_START)
    found = verdict_of(days, inject(0, 12))
    assert found.verdict is Verdict.REVIEW_NOT_EVALUABLE
    assert found.review == (
        "response (NICE TA260 1.2): review the missing baseline days: baseline "
        "(2024-12-09 to 2025-01-05): 1 of 28 days missing; recorded, they would decide "
        "whether the baseline had any headache day",
    )


def test_a_stop_needs_no_review_of_the_other_rule() -> None:
    days = course((20, 10), 16, 16, 16, 16, 14, 14)  # cycle 2: 44 days, 26.6 %
    found = verdict_of(days, inject(0, 12), as_of=days_after(D, 28 * 7 - 1))
    assert found.episodic is Judgement.NOT_EVALUABLE  # period 7 not recorded
    assert found.verdict is Verdict.STOP_INADEQUATE_RESPONSE
    assert found.review == ()


def test_an_inadequate_response_outranks_the_episodic_rule() -> None:
    days = course((14, 8), 13, 13, 13, 13, 13, 13)  # <30 % and <15 days a month
    found = verdict_of(days, inject(0, 12))
    assert found.inadequate_response is Judgement.MET
    assert found.episodic is Judgement.MET
    assert found.verdict is Verdict.STOP_INADEQUATE_RESPONSE


def test_no_baseline_headache_day_makes_the_response_not_evaluable() -> None:
    days = course((0, 0), 20, 20, 20, 20, 20, 20)
    found = verdict_of(days, inject(0, 12))
    assert found.inadequate_response is Judgement.NOT_EVALUABLE
    assert "the baseline has no headache day" in found.reasons[0]


def test_a_sparser_zero_baseline_does_not_stop_what_the_complete_one_leaves_open() -> None:
    # Issue 10, finding 1: the complete zero-headache baseline leaves the 30 % rule open
    # (a reduction from zero is undefined); dropping one baseline day must not make it "met".
    days = course((0, 0), 20, 20, 20, 20, 20, 20)
    full = verdict_of(days, inject(0, 12))
    sparse = verdict_of(without(days, BASELINE_START), inject(0, 12))
    assert full.inadequate_response is Judgement.NOT_EVALUABLE
    assert sparse.inadequate_response is Judgement.NOT_EVALUABLE
    assert sparse.verdict is not Verdict.STOP_INADEQUATE_RESPONSE
