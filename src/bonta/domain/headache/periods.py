"""Counting diary days over windows: 28-day periods and 12-week treatment cycles.

Definitions (each is one line of SQL over a table with one row per recorded date):

- A **window** is a closed range of local dates ``start … end``. ``days_recorded`` is the number
  of dates in it with a diary entry; ``days_missing = days_in_window - days_recorded``. Missing
  days are never counted as headache-free: every count below is over *recorded* days only and
  is reported next to ``days_recorded``, and rules judge it with bounds
  (`bonta.domain.headache.judgement`).
- **Periods** are 28-day windows anchored on the first injection ``d0`` (issue 4, as in
  PREEMPT): period ``k`` is ``d0 + 28k … d0 + 28k + 27``, i.e. ``k = floor((date - d0) / 28)``.
  Period ``-1`` is the **baseline** (the 28 days before the first injection); ``0`` is the first
  on-treatment period. With no injection yet, ``d0 = as_of + 1``, so period ``-1`` is the 28
  days ending on ``as_of``.
- A period is **complete** when its end is on or before ``as_of``; its not-yet-lived days are
  simply missing.
- **Cycles** are anchored on each injection ``d_i`` (clinical-reference §1.2: every 12 weeks):
  cycle ``i`` runs ``d_i … d_i + 83``, cut short the day before the next injection if that
  comes sooner. Its windows are weeks 1–4 (``d_i … d_i + 27``), 5–8 (``+28 … +55``) and
  9–12 (``+56 … +83``), each cut at the cycle's end (issue 4, to show end-of-cycle wearing-off).
  Days after week 12 before a late next injection are in no cycle window.
- **Headache days per 28 days** of a window of ``n`` days is ``count × 28 / n`` (so a cycle cut
  short by an early injection compares fairly with the 28-day baseline).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import cache

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.days import (
    MEDICATION_CLASSES,
    DiaryDay,
    MedicationClass,
    index_by_date,
    is_acute_medication_day,
    is_headache_day,
    is_headache_day_of_4_hours,
    is_migraine_day,
)
from bonta.domain.headache.judgement import Judgement, at_least_per_month, fewer_than_per_month
from bonta.domain.reference import load


@cache
def period_days() -> int:
    return int(load("headache")["period"]["days"])  # issue 4: 28-day periods (PREEMPT)


@cache
def month_days() -> tuple[int, int]:
    """Shortest and longest calendar month in days (28, 31): a month's length is unknown."""
    month = load("headache")["month"]
    return int(month["shortest_days"]), int(month["longest_days"])


def at_least_a_month(count: int, missing: int, threshold: int) -> Judgement:
    """A 28-day period's count judged against a "≥ threshold per month" rule."""
    return at_least_per_month(count, missing, threshold, period_days(), month_days())


def fewer_than_a_month(count: int, missing: int, threshold: int) -> Judgement:
    """A 28-day period's count judged against a "fewer than threshold per month" rule."""
    return fewer_than_per_month(count, missing, threshold, period_days(), month_days())


def periods_for_months(months: int, *, more_than: bool = False) -> tuple[int, int]:
    """How many whole 28-day periods `months` calendar months span: (shortest, longest months).

    "N months" needs periods covering N months: ``ceil(N × L / 28)``; "more than N months"
    needs more days than N months: ``floor(N × L / 28) + 1``. With L = 28 and 31: 3 months are
    3 or 4 periods (84 days, or 112 ≥ 93); more than 3 months are 4 periods either way.
    """
    days = period_days()

    def periods(month_length: int) -> int:
        span = months * month_length
        return span // days + 1 if more_than else -(-span // days)

    shortest, longest = month_days()
    return periods(shortest), periods(longest)


@cache
def cycle_days() -> int:
    return 7 * int(load("headache")["cycle"]["weeks"])  # clinical-reference §1.2: 12 weeks


@cache
def cycle_window_days() -> int:
    return 7 * int(load("headache")["cycle"]["window_weeks"])  # issue 4: weeks 1–4 / 5–8 / 9–12


@dataclass(frozen=True, slots=True)
class Diary:
    """The load-then-compute snapshot: one patient's diary, injections and analysis date.

    `injections` are the dates of chronic-migraine treatment sessions, sorted; `as_of` is the
    local date the analysis is for (no clock is read in the domain).
    """

    days: Mapping[date, DiaryDay]
    injections: tuple[date, ...]
    as_of: date
    classified: Mapping[date, DayClass]  # each day classified once (see `classify`)

    @property
    def anchor(self) -> date:
        """Day 0 of period 0: the first injection, or the day after `as_of` without one."""
        return self.injections[0] if self.injections else self.as_of + timedelta(days=1)

    @property
    def treated(self) -> bool:
        return bool(self.injections)


def diary_from(days: Iterable[DiaryDay], injections: Iterable[date], as_of: date) -> Diary:
    """Build the snapshot; reject duplicate dates, entries after `as_of`, future injections."""
    by_date = index_by_date(days)
    late = [d for d in by_date if d > as_of]
    if late:
        raise InvalidInput("date", f"{min(late).isoformat()} is after {as_of.isoformat()}")
    sessions = sorted(injections)
    if len(set(sessions)) != len(sessions):
        raise InvalidInput("injections", "the same date is listed twice")
    if sessions and sessions[-1] > as_of:
        raise InvalidInput("injections", f"{sessions[-1].isoformat()} is after {as_of}")
    return Diary(
        days=by_date,
        injections=tuple(sessions),
        as_of=as_of,
        classified={on: classify(day) for on, day in by_date.items()},
    )


# ---- counting ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayCounts:
    """Counts over one window of dates, over recorded days only."""

    start: date
    end: date  # inclusive
    days_recorded: int
    headache_days: int
    headache_days_4h: int
    migraine_days: int
    acute_medication_days: int  # any class, `other` included
    acute_medication_days_by_class: Mapping[MedicationClass, int]

    @property
    def days_in_window(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def days_missing(self) -> int:
        return self.days_in_window - self.days_recorded

    def per_28_days(self, count: int) -> tuple[Fraction, Fraction]:
        """Lower and upper bound of `count` as a rate per 28 days (missing days may count)."""
        scale = Fraction(period_days(), self.days_in_window)
        return count * scale, (count + self.days_missing) * scale


@dataclass(frozen=True, slots=True)
class DayClass:
    """What one recorded day counts as (bonta.domain.headache.days's rules, applied once)."""

    headache: bool
    headache_4h: bool
    migraine: bool
    medication: bool
    classes: frozenset[MedicationClass]


def classify(day: DiaryDay) -> DayClass:
    return DayClass(
        headache=is_headache_day(day),
        headache_4h=is_headache_day_of_4_hours(day),
        migraine=is_migraine_day(day),
        medication=is_acute_medication_day(day),
        classes=day.acute_medication,
    )


def count_days(days: Mapping[date, DiaryDay], start: date, end: date) -> DayCounts:
    """Count headache, ≥4 h, migraine and acute-medication days recorded in start … end."""
    return count_classified({on: classify(day) for on, day in days.items()}, start, end)


def count_classified(days: Mapping[date, DayClass], start: date, end: date) -> DayCounts:
    """`count_days` over days already classified."""
    recorded = headache = headache_4h = migraine = medication = 0
    by_class = dict.fromkeys(MEDICATION_CLASSES, 0)
    on = start
    one_day = timedelta(days=1)
    while on <= end:
        day = days.get(on)
        on += one_day
        if day is None:
            continue  # missing: not headache-free, not anything
        recorded += 1
        headache += day.headache
        headache_4h += day.headache_4h
        migraine += day.migraine
        medication += day.medication
        for taken in day.classes:
            by_class[taken] += 1
    return DayCounts(
        start=start,
        end=end,
        days_recorded=recorded,
        headache_days=headache,
        headache_days_4h=headache_4h,
        migraine_days=migraine,
        acute_medication_days=medication,
        acute_medication_days_by_class=by_class,
    )


# ---- 28-day periods ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """One 28-day period; `index` -1 is the baseline when the patient has been injected."""

    index: int
    counts: DayCounts
    complete: bool
    is_baseline: bool

    @property
    def label(self) -> str:
        if self.is_baseline:
            return "baseline"
        if self.index >= 0:
            return f"period {self.index + 1}"
        return f"period {self.index}"  # before treatment: -1 is the latest, -2 the one before


def period_index(on: date, anchor: date) -> int:
    """floor((on - anchor) / 28): which 28-day period a date falls in."""
    return (on - anchor).days // period_days()


def period(diary: Diary, index: int) -> Period:
    start = diary.anchor + timedelta(days=index * period_days())
    end = start + timedelta(days=period_days() - 1)
    return Period(
        index=index,
        counts=count_classified(diary.classified, start, end),
        complete=end <= diary.as_of,
        is_baseline=diary.treated and index == -1,
    )


def last_complete_index(diary: Diary) -> int:
    """The latest period that ends on or before `as_of`."""
    return period_index(diary.as_of + timedelta(days=1), diary.anchor) - 1


def periods(diary: Diary) -> tuple[Period, ...]:
    """Every period from the first diary entry (or the baseline) up to the one holding `as_of`.

    The baseline is always listed for a treated patient, even with no entries in it, so that
    its absence shows as missing days rather than disappearing.
    """
    last = period_index(diary.as_of, diary.anchor)
    first = min((period_index(d, diary.anchor) for d in diary.days), default=last)
    if diary.treated:
        first = min(first, -1)
    return tuple(period(diary, k) for k in range(first, last + 1))


def consecutive_periods(diary: Diary, last: int, how_many: int) -> tuple[Period, ...]:
    """`how_many` consecutive periods ending with period `last`."""
    return tuple(period(diary, k) for k in range(last - how_many + 1, last + 1))


# ---- 12-week cycles ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CycleWindow:
    weeks: str  # "1-4", "5-8", "9-12"
    counts: DayCounts
    complete: bool


@dataclass(frozen=True, slots=True)
class Cycle:
    """One treatment cycle: from an injection to week 12, or to the day before the next one."""

    number: int  # 1-based
    injection: date
    end: date
    complete: bool
    windows: tuple[CycleWindow, ...]

    @property
    def counts(self) -> DayCounts:
        return _sum_counts(self.injection, self.end, [w.counts for w in self.windows])


def cycle_end(injections: Sequence[date], i: int) -> date:
    """Week 12's last day after injection `i`, or the day before the next injection if sooner."""
    end = injections[i] + timedelta(days=cycle_days() - 1)
    if i + 1 < len(injections):
        end = min(end, injections[i + 1] - timedelta(days=1))
    return end


def cycles(diary: Diary) -> tuple[Cycle, ...]:
    """Every treatment cycle with its weeks 1–4 / 5–8 / 9–12 windows that have begun."""
    return tuple(cycle(diary, i) for i in range(len(diary.injections)))


def cycle(diary: Diary, i: int) -> Cycle:
    """Treatment cycle `i` (0-based) with its weeks 1–4 / 5–8 / 9–12 windows that have begun."""
    window = cycle_window_days()
    weeks = window // 7
    injection = diary.injections[i]
    end = cycle_end(diary.injections, i)
    windows: list[CycleWindow] = []
    for w in range(cycle_days() // window):
        start = injection + timedelta(days=w * window)
        if start > end or start > diary.as_of:
            break
        stop = min(start + timedelta(days=window - 1), end)
        windows.append(
            CycleWindow(
                weeks=f"{w * weeks + 1}-{(w + 1) * weeks}",
                counts=count_classified(diary.classified, start, stop),
                complete=stop <= diary.as_of,
            )
        )
    return Cycle(
        number=i + 1,
        injection=injection,
        end=end,
        complete=end <= diary.as_of,
        windows=tuple(windows),
    )


def _sum_counts(start: date, end: date, parts: Sequence[DayCounts]) -> DayCounts:
    by_class = dict.fromkeys(MEDICATION_CLASSES, 0)
    for part in parts:
        for cls, n in part.acute_medication_days_by_class.items():
            by_class[cls] += n
    # Windows that have not begun are absent from `parts`: their days count as missing.
    return DayCounts(
        start=start,
        end=end,
        days_recorded=sum(p.days_recorded for p in parts),
        headache_days=sum(p.headache_days for p in parts),
        headache_days_4h=sum(p.headache_days_4h for p in parts),
        migraine_days=sum(p.migraine_days for p in parts),
        acute_medication_days=sum(p.acute_medication_days for p in parts),
        acute_medication_days_by_class=by_class,
    )
