"""ICHD-3 1.3 chronic migraine and 8.2 medication overuse, judged from a diary.

"Month" and ">3 months" over 28-day periods (issue 10, finding 4)
-----------------------------------------------------------------
ICHD-3 counts days "per month" over ">3 months" (clinical-reference §4.3, §4.4), NICE TA260
"per month" for "3 consecutive months" (§5); issue 4 asks for 28-day periods as in PREEMPT. One
reading serves all of them (`bonta.domain.headache.periods`): **each 28-day period stands for a
calendar month of unknown length, 28 to 31 days**, and, as for missing days, a rule is decided
only if it holds for every month length:

- a period's count scales to ``count × L / 28`` for a month of L days. "≥ T days a month" is
  met only if ``count ≥ T`` (the 28-day month, the hardest), and not met only if even a 31-day
  month with every missing day stays below T. With T = 15 that leaves 14 days in 28 (14 to
  15.5 a month) not evaluable; with T = 8 or 10 no count is in between. No other threshold is
  introduced: only the reference's T and the calendar's 28 and 31.
- ">3 months" is more than 93 days with 31-day months and more than 84 with 28-day ones:
  **four consecutive periods** (112 days) either way, each meeting the threshold.

Which direction is safe: these rules argue for *starting* treatment (1.3 chronic migraine is
the indication) or for treating overuse first (8.2); a "met" is therefore never claimed on a
month length that favours it, and a "not met" never on one that excludes it — a borderline
period is shown to the clinician as not evaluable. A diary covering fewer periods cannot show
">3 months": *not evaluable*.

Which periods are judged
------------------------
- Chronic migraine is a pre-treatment diagnosis: the four periods before the first injection
  (periods -4 … -1, the last being the baseline); with no injection yet, the four periods
  ending on `as_of`.
- Medication overuse is current: the four latest *complete* periods (ending on or before
  `as_of`).

What the diary cannot show
--------------------------
1.3 B (≥5 earlier migraine attacks), 1.3 D and 8.2 C (not better accounted for by another
diagnosis) and whether intake was "regular" in the clinical sense are history, not diary. A
diary class is the patient's own classification of what was taken; 8.2.5's distinction between
a combination analgesic and two simple analgesics taken together is the patient's to record.

Several classes: 8.2.6, never 8.2.7 (clinical-reference §11.8, which stands over §4.4)
-------------------------------------------------------------------------------------
- 8.2.7 (unverified overuse of multiple drug classes) needs that the drugs' identity, quantity
  and/or pattern "cannot be reliably established". A diary records each day's classes, so it
  establishes them: 8.2.7 does not apply to a diary and is never reported from one.
- 8.2.6 (multiple drug classes not individually overused) is the subtype for known classes. Its
  day threshold is UNVERIFIED — believed ≥10 total days a month in ICHD-3, ≥15 in the ICHD-2
  appendix — so it is **never a met criterion** and never in `overused` or `flag`: it is
  reported as a *possibility* (`MultipleClassPossibility`) with both readings judged, for the
  clinician to weigh. Each reading asks, in every judged period, for days with any of the
  classes (ergot, triptan, non-opioid analgesic, opioid: the classes §11.8 names) on at least
  the reading's number of days, at least two of those classes recorded, and, over the judged
  periods, no one of them overused alone (else its own subtype applies).

Left out because the reference does not support it
--------------------------------------------------
- Gepants, ditans and `other`: the reference gives no overuse threshold. Their days are
  reported with no threshold and no judgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from bonta.domain.headache.days import MEDICATION_CLASSES, MedicationClass
from bonta.domain.headache.judgement import Judgement, all_met, over_months
from bonta.domain.headache.periods import (
    Diary,
    Period,
    at_least_a_month,
    consecutive_periods,
    last_complete_index,
    periods_for_months,
)
from bonta.domain.reference import load


def _reference() -> dict[str, Any]:
    return load("headache")


def months_needed(more_than_months: int) -> int:
    """More than N months in whole 28-day periods, for the longest months (4 for N = 3)."""
    fewest, most = periods_for_months(more_than_months, more_than=True)
    assert fewest == most  # for ICHD-3's ">3 months" both readings are 4 periods
    return most


def describe_period(p: Period) -> str:
    c = p.counts
    return f"{p.label} ({c.start.isoformat()} to {c.end.isoformat()})"


# ---- ICHD-3 1.3 chronic migraine ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChronicMigraine:
    """ICHD-3 1.3 A and C as far as a diary shows them."""

    judgement: Judgement
    periods: tuple[Period, ...]
    per_period: tuple[Judgement, ...]
    reasons: tuple[str, ...]
    source: str

    @property
    def meets(self) -> bool:
        return self.judgement is Judgement.MET


def chronic_migraine_month(p: Period, headache_days: int, migraine_days: int) -> Judgement:
    """One month of ICHD-3 1.3: ≥15 headache days (A) and ≥8 migraine days (C)."""
    c = p.counts
    return all_met(
        (
            at_least_a_month(c.headache_days, c.days_missing, headache_days),  # ICHD-3 1.3 A
            at_least_a_month(c.migraine_days, c.days_missing, migraine_days),  # ICHD-3 1.3 C
        )
    )


def chronic_migraine(diary: Diary) -> ChronicMigraine:
    """ICHD-3 1.3: ≥15 headache days and ≥8 migraine days in each of 4 periods before treatment."""
    rule = _reference()["chronic_migraine"]
    headache_days = int(rule["headache_days_per_month"])  # ICHD-3 1.3 A
    migraine_days = int(rule["migraine_days_per_month"])  # ICHD-3 1.3 C
    months = months_needed(int(rule["more_than_months"]))  # ICHD-3 1.3 A, C: >3 months
    judged = consecutive_periods(diary, -1, months)
    per_period = tuple(chronic_migraine_month(p, headache_days, migraine_days) for p in judged)
    reasons = [
        f"{describe_period(p)}: {p.counts.headache_days} headache days (≥{headache_days} "
        f"needed), {p.counts.migraine_days} migraine days (≥{migraine_days} needed), "
        f"{p.counts.days_recorded} of {p.counts.days_in_window} days recorded: {j.value}"
        for p, j in zip(judged, per_period, strict=True)
    ]
    overall = over_months(per_period, months, months)
    if overall is Judgement.NOT_EVALUABLE:
        reasons.append(
            f"ICHD-3 1.3 needs >3 months: {months} consecutive 28-day periods each meeting "
            "both thresholds; missing diary days, or a count either side of a threshold for a "
            "month of 28 to 31 days, leave at least one period undecided"
        )
    return ChronicMigraine(
        judgement=overall,
        periods=judged,
        per_period=per_period,
        reasons=tuple(reasons),
        source=str(rule["source"]),
    )


# ---- ICHD-3 8.2 medication overuse -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OveruseRule:
    name: str  # a MedicationClass value
    code: str  # ICHD-3 8.2.x
    days_per_month: int
    classes: frozenset[MedicationClass]
    source: str


@cache
def overuse_rules() -> tuple[OveruseRule, ...]:
    ref = _reference()["medication_overuse"]
    rules = [
        OveruseRule(
            name=name,
            code=str(raw["code"]),
            days_per_month=int(raw["days_per_month"]),
            classes=frozenset({MedicationClass(name)}),
            source=str(raw["source"]),
        )
        for name, raw in ref["classes"].items()
    ]
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class MultipleClassRule:
    """ICHD-3 8.2.6 as the reference holds it: a possibility, with every unverified reading."""

    code: str
    readings: tuple[int, ...]  # days per month, each reading of the unverified threshold
    classes: frozenset[MedicationClass]
    needs_verification: bool
    source: str
    not_applicable_code: str  # 8.2.7: the diary establishes the classes
    not_applicable_source: str


@cache
def multiple_class_rule() -> MultipleClassRule:
    ref = _reference()["medication_overuse"]
    raw = ref["multiple_classes"]
    unverified = ref["unverified_multiple_classes"]
    assert unverified["applies_to_a_diary"] is False  # clinical-reference §11.8
    return MultipleClassRule(
        code=str(raw["code"]),
        readings=tuple(sorted(int(d) for d in raw["days_per_month_readings"])),
        classes=frozenset(MedicationClass(c) for c in raw["classes"]),
        needs_verification=bool(raw["needs_verification"]),
        source=str(raw["source"]),
        not_applicable_code=str(unverified["code"]),
        not_applicable_source=str(unverified["source"]),
    )


def classes_without_threshold() -> tuple[MedicationClass, ...]:
    """Classes the reference gives no overuse threshold for (gepant, ditan, other)."""
    ruled = {c for r in overuse_rules() for c in r.classes}
    return tuple(c for c in MEDICATION_CLASSES if c not in ruled)


@dataclass(frozen=True, slots=True)
class ClassOveruse:
    """One class: its days in each judged period."""

    name: str
    code: str | None
    threshold_days: int | None
    days_per_period: tuple[int, ...]
    judgement: Judgement | None  # None: the reference has no threshold for this class
    source: str


@dataclass(frozen=True, slots=True)
class MultipleClassReading:
    days_per_month: int  # one reading of 8.2.6's unverified threshold
    judgement: Judgement


@dataclass(frozen=True, slots=True)
class MultipleClassPossibility:
    """ICHD-3 8.2.6 over the judged periods: a possibility for the clinician, never a criterion.

    `possible` when some reading is met; `readings` gives each reading's judgement, so the
    clinician sees whether it holds at ≥10 only or at ≥15 too.
    """

    code: str
    classes: frozenset[MedicationClass]
    days_per_period: tuple[int, ...]  # days with any of `classes`
    classes_per_period: tuple[int, ...]  # how many of `classes` were recorded
    individually_overused: tuple[str, ...]  # classes met alone: their own subtype applies
    readings: tuple[MultipleClassReading, ...]
    needs_verification: bool
    reasons: tuple[str, ...]
    source: str

    @property
    def possible(self) -> bool:
        return any(r.judgement is Judgement.MET for r in self.readings)


@dataclass(frozen=True, slots=True)
class MedicationOveruse:
    """ICHD-3 8.2 B intake over the judged periods, per class.

    `flag` means some class reached its 8.2 B threshold in every judged period: overuse of
    acute medication. It is not a diagnosis of medication-overuse headache, which also needs
    8.2 A (reported as `headache_days_criterion_a`) and 8.2 C (a clinician's judgement).
    """

    periods: tuple[Period, ...]
    classes: tuple[ClassOveruse, ...]
    headache_days_criterion_a: Judgement  # ICHD-3 8.2 A: headache on ≥15 days/month
    source: str
    multiple_classes: MultipleClassPossibility  # ICHD-3 8.2.6: reported, never `flag`

    @property
    def flag(self) -> bool:
        return any(c.judgement is Judgement.MET for c in self.classes)

    @property
    def overused(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.classes if c.judgement is Judgement.MET)

    @property
    def not_evaluable(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.classes if c.judgement is Judgement.NOT_EVALUABLE)


def class_days(diary: Diary, p: Period, classes: frozenset[MedicationClass]) -> tuple[int, int]:
    """Days in period `p` with any of `classes`, and how many of `classes` were recorded."""
    if len(classes) == 1:
        (only,) = classes
        n = p.counts.acute_medication_days_by_class[only]
        return n, int(n > 0)
    days = 0
    taken: set[MedicationClass] = set()
    on = p.counts.start
    while on <= p.counts.end:
        day = diary.days.get(on)
        on += timedelta(days=1)
        if day is not None and day.acute_medication & classes:
            days += 1
            taken |= day.acute_medication & classes
    return days, len(taken)


def overuse_month(diary: Diary, p: Period, rule: OveruseRule) -> tuple[int, Judgement]:
    """One month of ICHD-3 8.2 B for one rule: days at or above the rule's threshold."""
    days, _ = class_days(diary, p, rule.classes)
    return days, at_least_a_month(days, p.counts.days_missing, rule.days_per_month)


def multiple_class_possibility(
    diary: Diary, judged: tuple[Period, ...], single: list[ClassOveruse]
) -> MultipleClassPossibility:
    """ICHD-3 8.2.6 under each reading of its unverified threshold (clinical-reference §11.8)."""
    rule = multiple_class_rule()
    counted = [class_days(diary, p, rule.classes) for p in judged]
    alone = [c for c in single if MedicationClass(c.name) in rule.classes]
    # "Not individually overused": met when no class is met alone, not met when one is.
    if any(c.judgement is Judgement.MET for c in alone):
        not_alone = Judgement.NOT_MET
    elif all(c.judgement is Judgement.NOT_MET for c in alone):
        not_alone = Judgement.MET
    else:
        not_alone = Judgement.NOT_EVALUABLE
    two_classes = [
        Judgement.MET
        if seen >= 2
        else Judgement.NOT_MET
        if p.counts.days_missing == 0
        else Judgement.NOT_EVALUABLE
        for p, (_, seen) in zip(judged, counted, strict=True)
    ]
    readings = tuple(
        MultipleClassReading(
            days_per_month=threshold,
            judgement=all_met(
                [
                    not_alone,
                    *two_classes,
                    *(
                        at_least_a_month(days, p.counts.days_missing, threshold)
                        for p, (days, _) in zip(judged, counted, strict=True)
                    ),
                ]
            ),
        )
        for threshold in rule.readings
    )
    names = ", ".join(sorted(c.value for c in rule.classes))
    said = "; ".join(f"≥{r.days_per_month} days a month: {r.judgement.value}" for r in readings)
    reasons = [
        f"ICHD-3 {rule.code} (multiple drug classes not individually overused; {names}): days "
        f"with any of them per judged period {', '.join(str(d) for d, _ in counted)}; its "
        f"threshold is unverified, so each reading is judged — {said}"
        + (
            ". A possibility for the clinician to judge, not a met criterion"
            if any(r.judgement is Judgement.MET for r in readings)
            else ""
        ),
        f"ICHD-3 {rule.not_applicable_code} does not apply: the diary records each day's classes, "
        "so their identity is established",
    ]
    overused_alone = tuple(c.name for c in alone if c.judgement is Judgement.MET)
    if overused_alone:
        reasons.append(
            f"not {rule.code}: overused alone ({', '.join(overused_alone)}), "
            "its own subtype applies"
        )
    return MultipleClassPossibility(
        code=rule.code,
        classes=rule.classes,
        days_per_period=tuple(d for d, _ in counted),
        classes_per_period=tuple(n for _, n in counted),
        individually_overused=overused_alone,
        readings=readings,
        needs_verification=rule.needs_verification,
        reasons=tuple(reasons),
        source=rule.source,
    )


def medication_overuse(diary: Diary) -> MedicationOveruse:
    """ICHD-3 8.2 B per class over the four latest complete periods (regular for >3 months)."""
    ref = _reference()["medication_overuse"]
    months = months_needed(int(ref["more_than_months"]))  # ICHD-3 8.2 B: >3 months
    judged = consecutive_periods(diary, last_complete_index(diary), months)
    found: list[ClassOveruse] = []
    for rule in overuse_rules():
        months_judged = [overuse_month(diary, p, rule) for p in judged]
        found.append(
            ClassOveruse(
                name=rule.name,
                code=rule.code,
                threshold_days=rule.days_per_month,
                days_per_period=tuple(d for d, _ in months_judged),
                judgement=over_months([j for _, j in months_judged], months, months),
                source=rule.source,
            )
        )
    for cls in classes_without_threshold():
        found.append(
            ClassOveruse(
                name=cls.value,
                code=None,
                threshold_days=None,
                days_per_period=tuple(p.counts.acute_medication_days_by_class[cls] for p in judged),
                judgement=None,
                source="clinical-reference §4.4 gives no overuse threshold for this class",
            )
        )
    headache_days = int(ref["headache_days_per_month"])  # ICHD-3 8.2 A
    criterion_a = over_months(
        [
            at_least_a_month(p.counts.headache_days, p.counts.days_missing, headache_days)
            for p in judged
        ],
        months,
        months,
    )
    return MedicationOveruse(
        periods=judged,
        classes=tuple(found),
        headache_days_criterion_a=criterion_a,
        source=str(ref["source"]),
        multiple_classes=multiple_class_possibility(diary, judged, found),
    )
