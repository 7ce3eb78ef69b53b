"""ICHD-3 1.3 chronic migraine and 8.2 medication overuse over 28-day periods.

Reference: clinical-reference §4.3 (≥15 headache days, ≥8 migraine days per month, >3 months)
and §4.4 (8.2.1 ergot ≥10, 8.2.2 triptan ≥10, 8.2.3 simple analgesic ≥15, 8.2.4 opioid ≥10,
8.2.5 combination analgesic ≥10; gepant/ditan: no threshold) and §11.8 (8.2.6 multiple classes
not individually overused: threshold UNVERIFIED, ≥10 or ≥15 — a possibility with both readings;
8.2.7 does not apply to a diary, which establishes the classes).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bonta.domain.headache.days import MedicationClass
from bonta.domain.headache.ichd import (
    ClassOveruse,
    MedicationOveruse,
    chronic_migraine,
    classes_without_threshold,
    medication_overuse,
    months_needed,
    multiple_class_rule,
    overuse_rules,
)
from bonta.domain.headache.judgement import Judgement

from .test_diary_builders import (
    BASELINE_START,
    FIRST_INJECTION,
    block,
    days_after,
    periods_of,
    snapshot,
    without,
)

FOUR_BEFORE = days_after(FIRST_INJECTION, -4 * 28)


def cm(*blocks: tuple[int, int]) -> Judgement:
    days = periods_of(FOUR_BEFORE, *blocks)
    return chronic_migraine(snapshot(days, [FIRST_INJECTION], FIRST_INJECTION)).judgement


def test_more_than_3_months_is_four_28_day_periods() -> None:
    assert months_needed(3) == 4


def test_15_headache_and_8_migraine_days_in_four_periods_meet_chronic_migraine() -> None:
    assert cm((15, 8), (15, 8), (15, 8), (15, 8)) is Judgement.MET


def test_13_headache_days_in_one_period_do_not() -> None:
    # 13 in 28 days is at most 13 × 31 / 28 = 14.4 in a 31-day month: below 15 either way.
    assert cm((15, 8), (15, 8), (13, 8), (15, 8)) is Judgement.NOT_MET


def test_14_headache_days_in_one_period_are_either_side_of_15_a_month() -> None:
    # Issue 10, finding 4: 14 in 28 days is 14 (28-day month) to 15.5 (31-day month) a month.
    assert cm((15, 8), (15, 8), (14, 8), (15, 8)) is Judgement.NOT_EVALUABLE
    assert cm((15, 8), (15, 8), (14, 8), (13, 8)) is Judgement.NOT_MET  # one sure "no" decides


def test_8_migraine_days_need_no_scaling_7_never_reach_8() -> None:
    # 7 × 31 / 28 = 7.75 < 8: no 28-day count is either side of ICHD-3 1.3 C's 8.
    assert cm((15, 8), (15, 7), (15, 8), (15, 8)) is Judgement.NOT_MET


def test_7_migraine_days_in_one_period_do_not() -> None:
    assert cm((15, 8), (15, 7), (15, 8), (15, 8)) is Judgement.NOT_MET


def test_three_months_of_diary_cannot_show_more_than_three_months() -> None:
    days = periods_of(days_after(FOUR_BEFORE, 28), (20, 10), (20, 10), (20, 10))
    found = chronic_migraine(snapshot(days, [FIRST_INJECTION], FIRST_INJECTION))
    assert found.judgement is Judgement.NOT_EVALUABLE
    assert found.per_period[0] is Judgement.NOT_EVALUABLE
    assert not found.meets
    assert "4 consecutive 28-day periods" in found.reasons[-1]


def test_a_missing_day_that_could_be_the_15th_headache_day_leaves_it_undecided() -> None:
    days = periods_of(FOUR_BEFORE, (15, 8), (15, 8), (15, 8), (15, 8))
    last_headache_day = days_after(BASELINE_START, 14)
    gappy = without(days, last_headache_day)  # 14 headache days + 1 missing day
    found = chronic_migraine(snapshot(gappy, [FIRST_INJECTION], FIRST_INJECTION))
    assert found.judgement is Judgement.NOT_EVALUABLE


def test_a_missing_day_that_cannot_reach_15_still_decides_not_met() -> None:
    days = periods_of(FOUR_BEFORE, (15, 8), (15, 8), (15, 8), (12, 8))
    gappy = without(days, days_after(BASELINE_START, 27))  # (12 + 1) × 31 / 28 = 14.4 < 15
    found = chronic_migraine(snapshot(gappy, [FIRST_INJECTION], FIRST_INJECTION))
    assert found.judgement is Judgement.NOT_MET


def test_without_injections_the_four_periods_end_on_the_analysis_date() -> None:
    as_of = date(2025, 6, 30)
    days = periods_of(days_after(as_of, -111), (16, 8), (16, 8), (16, 8), (16, 8))
    found = chronic_migraine(snapshot(days, as_of=as_of))
    assert found.meets
    assert found.periods[-1].counts.end == as_of


def test_the_reasons_give_the_numbers_and_the_thresholds() -> None:
    days = periods_of(FOUR_BEFORE, (15, 8), (15, 8), (15, 8), (13, 9))
    found = chronic_migraine(snapshot(days, [FIRST_INJECTION], FIRST_INJECTION))
    assert found.reasons[-1] == (
        "baseline (2024-12-09 to 2025-01-05): 13 headache days (≥15 needed), "
        "9 migraine days (≥8 needed), 28 of 28 days recorded: not_met"
    )


# ---- medication overuse ------------------------------------------------------------------------

AS_OF = days_after(FOUR_BEFORE, 4 * 28 - 1)  # the four periods before it are complete


def overuse(per_period: list[dict[MedicationClass, int]]) -> MedicationOveruse:
    days = []
    for k, medication in enumerate(per_period):
        days += block(days_after(FOUR_BEFORE, 28 * k), 20, 10, medication=medication)
    return medication_overuse(snapshot(days, as_of=AS_OF))


def detail(found: MedicationOveruse, name: str) -> ClassOveruse:
    return next(c for c in found.classes if c.name == name)


@pytest.mark.parametrize(
    ("cls", "code", "below", "at"),
    [
        (MedicationClass.ERGOT, "8.2.1", 9, 10),
        (MedicationClass.TRIPTAN, "8.2.2", 9, 10),
        (MedicationClass.SIMPLE_ANALGESIC, "8.2.3", 13, 15),  # 14: see below
        (MedicationClass.OPIOID, "8.2.4", 9, 10),
        (MedicationClass.COMBINATION_ANALGESIC, "8.2.5", 9, 10),
    ],
)
def test_each_class_is_overused_at_its_ichd3_threshold_and_not_one_day_below(
    cls: MedicationClass, code: str, below: int, at: int
) -> None:
    found = overuse([{cls: at}] * 4)
    assert found.flag
    assert found.overused == (cls.value,)
    assert detail(found, cls.value).code == code
    assert detail(found, cls.value).days_per_period == (at, at, at, at)

    one_short = overuse([{cls: at}, {cls: at}, {cls: below}, {cls: at}])
    assert detail(one_short, cls.value).judgement is Judgement.NOT_MET
    assert not one_short.flag


def test_14_simple_analgesic_days_are_either_side_of_15_a_month() -> None:
    # 8.2.3 ≥15 days a month (clinical-reference §4.4): 14 in 28 days is 14 to 15.5 a month.
    found = overuse([{MedicationClass.SIMPLE_ANALGESIC: 14}] * 4)
    assert detail(found, "simple_analgesic").judgement is Judgement.NOT_EVALUABLE
    assert found.not_evaluable == ("simple_analgesic",)
    assert not found.flag


def test_overuse_must_be_regular_for_more_than_three_months() -> None:
    days = []
    for k in range(1, 4):  # only the last three periods have a diary
        days += block(
            days_after(FOUR_BEFORE, 28 * k), 20, 10, medication={MedicationClass.TRIPTAN: 12}
        )
    found = medication_overuse(snapshot(days, as_of=AS_OF))
    assert detail(found, "triptan").judgement is Judgement.NOT_EVALUABLE
    assert found.not_evaluable == ("triptan",)
    assert not found.flag


def test_the_latest_four_complete_periods_are_judged() -> None:
    found = overuse([{MedicationClass.TRIPTAN: 10}] * 4)
    assert [p.counts.end for p in found.periods][-1] == AS_OF


def two_classes(triptan: int, analgesic: int, missing_last: bool = False) -> MedicationOveruse:
    """Triptan on the first `triptan` days of each period, a simple analgesic on the next."""
    days = []
    for k in range(4):
        start = days_after(FOUR_BEFORE, 28 * k)
        period_days = block(start, 20, 10, medication={MedicationClass.TRIPTAN: triptan})
        days += [
            replace(d, acute_medication=frozenset({MedicationClass.SIMPLE_ANALGESIC}))
            if triptan <= (d.on - start).days < triptan + analgesic
            else d
            for d in period_days
        ]
    if missing_last:  # the last day of each period, medication-free, goes missing
        days = without(days, *(days_after(FOUR_BEFORE, 28 * k + 27) for k in range(4)))
    return medication_overuse(snapshot(days, as_of=AS_OF))


def readings(found: MedicationOveruse) -> dict[int, Judgement]:
    return {r.days_per_month: r.judgement for r in found.multiple_classes.readings}


def test_two_classes_together_on_10_days_are_a_possible_8_2_6_not_a_met_criterion() -> None:
    # §11.8: 8.2.6 for known classes; its threshold is ≥10 (ICHD-3, believed) or ≥15 (ICHD-2).
    found = two_classes(5, 5)  # 10 days a period with one of the two, neither overused alone
    assert found.overused == ()
    assert not found.flag
    possibility = found.multiple_classes
    assert possibility.code == "8.2.6"
    assert possibility.days_per_period == (10, 10, 10, 10)
    assert possibility.classes_per_period == (2, 2, 2, 2)
    assert readings(found) == {10: Judgement.MET, 15: Judgement.NOT_MET}
    assert possibility.possible
    assert possibility.needs_verification
    assert possibility.reasons[0].endswith(
        "≥10 days a month: met; ≥15 days a month: not_met. "
        "A possibility for the clinician to judge, not a met criterion"
    )
    assert possibility.reasons[1] == (
        "ICHD-3 8.2.7 does not apply: the diary records each day's classes, "
        "so their identity is established"
    )


def test_15_days_with_two_classes_meet_both_readings() -> None:
    assert readings(two_classes(8, 7)) == {10: Judgement.MET, 15: Judgement.MET}


def test_14_days_with_two_classes_meet_the_10_day_reading_and_leave_the_15_day_one_open() -> None:
    # 14 in 28 days is 14 to 15.5 a month (months of 28–31 days): either side of 15.
    assert readings(two_classes(7, 7)) == {10: Judgement.MET, 15: Judgement.NOT_EVALUABLE}


def test_13_days_with_two_classes_meet_the_10_day_reading_only() -> None:
    assert readings(two_classes(7, 6)) == {10: Judgement.MET, 15: Judgement.NOT_MET}


def test_9_days_with_two_classes_are_not_8_2_6_by_either_reading() -> None:
    found = two_classes(5, 4)
    assert readings(found) == {10: Judgement.NOT_MET, 15: Judgement.NOT_MET}
    assert not found.multiple_classes.possible


def test_a_missing_day_that_could_make_the_10th_leaves_8_2_6_open() -> None:
    found = two_classes(5, 4, missing_last=True)
    assert readings(found) == {10: Judgement.NOT_EVALUABLE, 15: Judgement.NOT_MET}
    assert not found.multiple_classes.possible


def test_one_class_alone_is_not_8_2_6() -> None:
    found = overuse([{MedicationClass.TRIPTAN: 9}] * 4)  # one class: not "multiple"
    assert readings(found) == {10: Judgement.NOT_MET, 15: Judgement.NOT_MET}


def test_a_class_overused_alone_takes_its_own_subtype_not_8_2_6() -> None:
    found = two_classes(10, 5)  # triptan ≥10 alone: 8.2.2
    assert found.overused == ("triptan",)
    assert found.multiple_classes.individually_overused == ("triptan",)
    assert readings(found) == {10: Judgement.NOT_MET, 15: Judgement.NOT_MET}
    assert found.multiple_classes.reasons[-1] == (
        "not 8.2.6: overused alone (triptan), its own subtype applies"
    )


def test_8_2_6_is_kept_with_both_readings_and_8_2_7_as_not_applicable() -> None:
    rule = multiple_class_rule()
    assert rule.code == "8.2.6"
    assert rule.readings == (10, 15)
    assert rule.needs_verification
    assert rule.classes == frozenset(
        {
            MedicationClass.ERGOT,
            MedicationClass.TRIPTAN,
            MedicationClass.SIMPLE_ANALGESIC,
            MedicationClass.OPIOID,
        }
    )
    assert rule.source.startswith("clinical-reference §11.8")
    assert rule.not_applicable_code == "8.2.7"
    assert rule.not_applicable_source.startswith("clinical-reference §11.8")


def test_gepants_and_ditans_are_counted_but_have_no_threshold() -> None:
    found = overuse([{MedicationClass.GEPANT: 28, MedicationClass.DITAN: 20}] * 4)
    assert not found.flag
    gepant = detail(found, "gepant")
    assert gepant.threshold_days is None
    assert gepant.judgement is None
    assert gepant.days_per_period == (28, 28, 28, 28)
    assert classes_without_threshold() == (
        MedicationClass.GEPANT,
        MedicationClass.DITAN,
        MedicationClass.OTHER,
    )


def test_criterion_a_headache_on_15_days_is_reported_beside_the_intake() -> None:
    found = overuse([{MedicationClass.TRIPTAN: 10}] * 4)
    assert found.headache_days_criterion_a is Judgement.MET


def test_the_thresholds_are_the_references() -> None:
    assert {r.name: (r.code, r.days_per_month) for r in overuse_rules()} == {
        "ergot": ("8.2.1", 10),
        "triptan": ("8.2.2", 10),
        "simple_analgesic": ("8.2.3", 15),
        "opioid": ("8.2.4", 10),
        "combination_analgesic": ("8.2.5", 10),
    }
    assert all(r.source.startswith("clinical-reference §4.4") for r in overuse_rules())
