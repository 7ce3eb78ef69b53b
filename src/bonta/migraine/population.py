"""The clinic's population report: responder rates per cycle, NICE reviews due, overuse,
and the cycle-aligned wearing-off figure (headache days in weeks 1–4 / 5–8 / 9–12).

Same numbers as the chart, for every patient at once
----------------------------------------------------
Each patient's figures are exactly those `bonta.domain.headache.summary.summarize` gives for the
same diary, injections and `as_of` (a test holds the two equal on a generated population with
missing days, short diaries and the 14/15 and 7/8 boundaries). The definitions are the domain's;
this module re-states them over columns:

- **day classes** (`bonta.domain.headache.days`): headache, headache of ≥4 h, migraine (ICHD-3 1.3 C
  C1/C2/C3), acute medication of any class and per class — computed in SQL when the store is
  written (`bonta.migraine.store.day_classes_sql`, the SQL reading in `bonta.domain.headache.days`'s
  docstring) and packed into one 16-bit integer per day;
- **windows** (`bonta.domain.headache.periods`): 28-day periods anchored on the first injection
  (``as_of + 1`` before any), cycles from each injection to week 12 or the day before the next;
  counts are over recorded days, ``missing = days in window - days recorded``;
- **judgements** (`bonta.domain.headache.judgement`): met / not met / not evaluable from a count
  and its missing days, encoded 2 / 0 / 1 so that "all met" is the minimum;
- **rules**: ICHD-3 1.3 chronic migraine over periods -4 … -1; NICE TA260 1.1's chronic
  migraine over the baseline; ICHD-3 8.2 overuse per class over the four latest complete periods
  (8.2.6, several classes, is only a possibility on the chart; 8.2.7 never applies to a
  diary); TA260 1.2 inadequate response (cycle 2 against the baseline, exact integer
  arithmetic — no floats near 30 %) and episodic (the latest complete periods since the first
  injection: 3 months are 3 to 4 periods). A period stands for a month of 28 to 31 days and a
  rule is decided only if it holds for every length (`bonta.domain.headache.periods`).
  Thresholds come from the same reference functions the domain reads.

How it is computed (the decision)
---------------------------------
Reading the diary table row by row into Python cannot summarise 36.5 M days in seconds.
Pushing the arithmetic into the database (option "SQL GROUP BY") was not chosen: it needs a
full scan and hash aggregate per window family on a two-core server (not measured here), and
SQLite scans on one core. So the report reads a **columnar copy** (`bonta.migraine.store`:
Parquet, refreshed from the
database, each patient's diary one run of day classes from first to last date, missing days
included) with **DuckDB** — one 16-bit column for the whole diary — into NumPy. Every window of
every patient (8 periods and one per cycle) is located by arithmetic (``row_offset + date -
first_day``) and counted with **prefix sums**: ``count = cumsum[hi] - cumsum[lo]``. Up to nine
indicators are packed 7 bits apiece into one 64-bit running sum (a window holds at most 84
days, so each field of a difference is exact), so the whole diary is summed in one or two
passes. No sort, no join, no search, no Python loop per patient; only the listed patients
(reviews due, overuse) become Python objects.

**Wearing-off** (weeks 1–4 / 5–8 / 9–12 of every cycle, the domain's `CycleWindow`s): over the
*complete* windows of every cycle of every patient, the mean and median of headache days per
28 days (``count × 28 / days in window``: a window cut short by an early re-injection
compares fairly). Missing days are never headache-free, so each figure is a range: the low end
counts a missing day as headache-free, the high end as a headache day (both exact fractions;
the low end printed rounded down, the high end rounded up, so the printed range always holds
the true one; with no missing day the two ends are equal and print as one number).

Due for a NICE review means a TA260 1.2 stopping rule is met on `as_of` (verdict
``stop_inadequate_response`` or ``stop_episodic``): a clinician must decide whether to stop.
``review_not_evaluable`` (a stopping rule is due but missing diary days leave it undecided, so
never "continue") is counted among the verdicts, not listed as due.
Responder rates per cycle count complete cycles only: the rate is responders / (responders +
non-responders), and cycles whose missing diary days leave the answer open are reported beside
it as not evaluable, never guessed. The 50 % threshold is a reporting convention
(`needs_verification` in the reference), as in the chart.

Diary days and injections after `as_of` are left out (not yet lived as of the report).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bonta.domain.headache.days import MedicationClass
from bonta.domain.headache.ichd import (
    months_needed,
    overuse_rules,
)
from bonta.domain.headache.judgement import Judgement
from bonta.domain.headache.nice import Verdict
from bonta.domain.headache.outcomes import responder_thresholds
from bonta.domain.headache.periods import (
    cycle_days,
    cycle_window_days,
    month_days,
    period_days,
    periods_for_months,
)
from bonta.domain.reference import load
from bonta.migraine.models import MEDICATION_BITS
from bonta.migraine.store import (
    CLASS_SHIFT,
    HEADACHE,
    MIGRAINE,
    RECORDED,
    Store,
    connect,
    open_store,
)

Ints = npt.NDArray[np.int64]

# Judgements as small integers: min() over parts is `all_met`.
NOT_MET, NOT_EVALUABLE, MET = 0, 1, 2
JUDGEMENTS = {
    NOT_MET: Judgement.NOT_MET,
    NOT_EVALUABLE: Judgement.NOT_EVALUABLE,
    MET: Judgement.MET,
}
VERDICTS = (
    Verdict.NOT_YET_EVALUABLE,
    Verdict.CONTINUE,
    Verdict.STOP_INADEQUATE_RESPONSE,
    Verdict.STOP_EPISODIC,
    Verdict.REVIEW_NOT_EVALUABLE,
)
REVIEW_VERDICTS = (Verdict.STOP_INADEQUATE_RESPONSE, Verdict.STOP_EPISODIC)

EPOCH = date(1970, 1, 1)
FIELD_BITS = 7  # a window's count per indicator in a packed prefix sum: at most 127 days
FIELDS_PER_WORD = 64 // FIELD_BITS


def day_number(on: date) -> int:
    return (on - EPOCH).days


# ---- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Columns:
    """The store as arrays: each patient's run of day classes, and the injections."""

    classes: npt.NDArray[np.uint16]  # `bonta.migraine.store` day classes, runs in pkey order
    first_day: Ints  # per pkey: day number of the run's first row (0 without a diary)
    days: Ints  # per pkey: rows in the run
    row_offset: Ints  # per pkey: where the run starts in `classes`
    injection_pkey: Ints  # sorted by (pkey, day)
    injection_day: Ints

    @property
    def patients(self) -> int:
        return int(self.days.size)


def load_columns(store: Store) -> Columns:
    """Read the store into arrays with DuckDB (one 16-bit column for the whole diary)."""
    con = connect()
    try:
        classes = con.execute(
            "SELECT classes FROM read_parquet(?)", [str(store.days)]
        ).fetchnumpy()["classes"]
        runs = con.execute(
            "SELECT coalesce(first_day - DATE '1970-01-01', 0)::BIGINT AS first_day, "
            "days::BIGINT AS days, row_offset FROM read_parquet(?) ORDER BY pkey",
            [str(store.patients)],
        ).fetchnumpy()
        injections = con.execute(
            "SELECT pkey::BIGINT AS pkey, (\"on\" - DATE '1970-01-01')::BIGINT AS day "
            'FROM read_parquet(?) ORDER BY pkey, "on"',
            [str(store.injections)],
        ).fetchnumpy()
    finally:
        con.close()
    columns = Columns(
        classes=np.asarray(classes, dtype=np.uint16),
        first_day=np.asarray(runs["first_day"], dtype=np.int64),
        days=np.asarray(runs["days"], dtype=np.int64),
        row_offset=np.asarray(runs["row_offset"], dtype=np.int64),
        injection_pkey=np.asarray(injections["pkey"], dtype=np.int64),
        injection_day=np.asarray(injections["day"], dtype=np.int64),
    )
    if int(columns.days.sum()) != columns.classes.size:
        raise ValueError("the diary store is inconsistent: refresh it")
    return columns


# ---- counting windows with prefix sums ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Counts over many windows at once (one array entry per window)."""

    days_in_window: Ints
    recorded: Ints
    counts: Mapping[str, Ints]  # indicator name → days in the window

    @property
    def missing(self) -> Ints:
        return self.days_in_window - self.recorded

    def part(self, where: slice) -> WindowCounts:
        """The counts of windows `where` (one `count_windows` call serves several families)."""
        return WindowCounts(
            days_in_window=self.days_in_window[where],
            recorded=self.recorded[where],
            counts={name: c[where] for name, c in self.counts.items()},
        )


def _class_bit(cls: MedicationClass) -> int:
    return MEDICATION_BITS[cls] << CLASS_SHIFT


def indicators() -> dict[str, int]:
    """Indicator name → the class bits that make a day count for it (any of them).

    Only what a rule of the report reads: recorded, headache and migraine days, and medication
    days per overuse rule (ICHD-3 8.2, one class each). 8.2.6, several classes, is a possibility
    for the clinician on the chart (`diary_ichd.multiple_class_possibility`), not in the report.
    """
    found = {"recorded": RECORDED, "headache": HEADACHE, "migraine": MIGRAINE}
    for rule in overuse_rules():
        mask = 0
        for cls in rule.classes:
            mask |= _class_bit(cls)
        found[f"overuse:{rule.name}"] = mask
    return found


def count_windows(columns: Columns, pkey: Ints, start: Ints, end: Ints, last: int) -> WindowCounts:
    """Recorded days and each indicator's days in every window ``start … end`` (day numbers).

    Days after `last` (the report's as_of) are not counted. Rows are found by arithmetic in
    the patient's run; counts are differences of prefix sums. Up to nine indicators share one
    64-bit prefix sum, 7 bits each: a window's count (≤ 84 days) fits, and a difference of
    packed sums is exact even though the running sums overflow their fields.
    """
    length = end - start + 1
    if length.size and int(length.max()) >= 1 << FIELD_BITS:
        raise ValueError("a window is longer than the packed counts allow")
    first, size, offset = columns.first_day[pkey], columns.days[pkey], columns.row_offset[pkey]
    lo = np.clip(start - first, 0, size)
    hi = np.maximum(np.clip(np.minimum(end, last) - first + 1, 0, size), lo)
    lo += offset
    hi += offset
    names = indicators()
    masks = sorted(set(names.values()))
    by_mask: dict[int, Ints] = {}
    every_value = np.arange(1 << 16, dtype=np.uint64)
    field = np.uint64((1 << FIELD_BITS) - 1)
    for group in range(0, len(masks), FIELDS_PER_WORD):
        word = masks[group : group + FIELDS_PER_WORD]
        table = np.zeros(1 << 16, dtype=np.uint64)  # day classes → packed indicators
        for i, mask in enumerate(word):
            hit = ((every_value & np.uint64(mask)) != 0).astype(np.uint64)
            table |= hit << np.uint64(FIELD_BITS * i)
        prefix = np.zeros(columns.classes.size + 1, dtype=np.uint64)
        np.cumsum(table[columns.classes], out=prefix[1:])
        window = prefix[hi] - prefix[lo]  # wraps modulo 2**64: exact per field
        for i, mask in enumerate(word):
            by_mask[mask] = ((window >> np.uint64(FIELD_BITS * i)) & field).astype(np.int64)
    return WindowCounts(
        days_in_window=length,
        recorded=by_mask[RECORDED],
        counts={name: by_mask[mask] for name, mask in names.items()},
    )


def at_least(count: Ints, missing: Ints, threshold: int) -> Ints:
    """`bonta.domain.headache.periods.at_least_a_month` over arrays (months of 28–31 days)."""
    shortest, longest = month_days()
    window = period_days()
    return np.where(
        count * shortest >= threshold * window,
        MET,
        np.where((count + missing) * longest < threshold * window, NOT_MET, NOT_EVALUABLE),
    )


def fewer_than(count: Ints, missing: Ints, threshold: int) -> Ints:
    """`bonta.domain.headache.periods.fewer_than_a_month` over arrays."""
    return _invert(at_least(count, missing, threshold))


def reaches(
    base_days: Ints,
    base_missing: Ints,
    base_len: Ints,
    days: Ints,
    missing: Ints,
    length: Ints,
    percent: int,
) -> Ints:
    """`Reduction.reaches(percent)` of a window against the baseline, in exact integers.

    With per-28-day rates, lowest ≥ p ⟺ 100·(days + missing)·base_len ≤ (100 − p)·base_days·length,
    and highest < p ⟺ 100·days·base_len > (100 − p)·(base_days + base_missing)·length
    (`bonta.domain.headache.outcomes.headache_day_reduction`; the 28s cancel).
    """
    keep = 100 - percent
    # A baseline that may have had no headache day (missing days all headache-free) leaves the
    # reduction undefined in that completion: not evaluable (`diary_outcomes.reduction_reaches`).
    undefined = base_days == 0
    lowest_reaches = 100 * (days + missing) * base_len <= keep * base_days * length
    highest_below = 100 * days * base_len > keep * (base_days + base_missing) * length
    return np.where(
        undefined,
        NOT_EVALUABLE,
        np.where(lowest_reaches, MET, np.where(highest_below, NOT_MET, NOT_EVALUABLE)),
    )


def _invert(judgement: Ints) -> Ints:
    return 2 - judgement  # met ↔ not met; not evaluable stays


# ---- the report --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CycleRate:
    number: int
    cycles: int  # patients who have reached this cycle
    complete: int
    met: Mapping[int, int]  # threshold percent → responders among complete cycles
    not_met: Mapping[int, int]
    not_evaluable: Mapping[int, int]

    def rate_percent(self, threshold: int) -> Decimal | None:
        judged = self.met[threshold] + self.not_met[threshold]
        if judged == 0:
            return None
        value = Decimal(100 * self.met[threshold]) / Decimal(judged)
        return value.quantize(Decimal("0.1"), rounding=ROUND_FLOOR)


def _decimal(value: Fraction | None, rounding: str) -> Decimal | None:
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.1"), rounding=rounding)


@dataclass(frozen=True, slots=True)
class RateRange:
    """An exact figure of headache days per 28 days, between two bounds (missing days)."""

    low: Fraction  # missing days counted as headache-free
    high: Fraction  # missing days counted as headache days

    def as_dict(self) -> dict[str, Decimal | None]:
        """One decimal, rounded outward (the printed range holds the exact one); an exact
        figure (no missing day) prints as one number twice."""
        if self.low == self.high:
            same = _decimal(self.low, ROUND_HALF_EVEN)
            return {"low": same, "high": same}
        return {
            "low": _decimal(self.low, ROUND_FLOOR),
            "high": _decimal(self.high, ROUND_CEILING),
        }


@dataclass(frozen=True, slots=True)
class WearingOff:
    """Headache days per 28 days in one cycle window (weeks 1–4, 5–8 or 9–12), clinic-wide."""

    weeks: str
    windows: int  # complete windows in this position, over every cycle of every patient
    fully_recorded: int  # of which with no missing day
    mean: RateRange | None  # None: no complete window yet
    median: RateRange | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "weeks": self.weeks,
            "windows": self.windows,
            "fully_recorded": self.fully_recorded,
            "headache_days_per_28_days": {
                "mean": None if self.mean is None else self.mean.as_dict(),
                "median": None if self.median is None else self.median.as_dict(),
            },
        }


def mean_rate(count: Ints, length: Ints) -> Fraction | None:
    """Exact mean of ``count × 28 / length`` over windows (grouped by length: ≤ 28 terms)."""
    if count.size == 0:
        return None
    days = period_days()
    sums = np.bincount(length, weights=count, minlength=days + 1)  # integers, exact in float64
    total = sum((Fraction(int(sums[n]) * days, int(n)) for n in np.flatnonzero(sums)), Fraction(0))
    return total / int(count.size)


def median_rate(count: Ints, length: Ints) -> Fraction | None:
    """Exact median of ``count × 28 / length`` (the mean of the two middle values if even).

    Floats only order the values: two distinct rates with denominators ≤ 28 differ by at
    least 1/784, far above float error; the middle values are then taken exactly.
    """
    n = int(count.size)
    if n == 0:
        return None
    days = period_days()
    order = np.argsort(count * days / length, kind="stable")

    def exact(i: int) -> Fraction:
        return Fraction(int(count[i]) * days, int(length[i]))

    middle = exact(int(order[n // 2]))
    if n % 2:
        return middle
    return (exact(int(order[n // 2 - 1])) + middle) / 2


def wearing_off_figure(weeks: str, headache: Ints, missing: Ints, length: Ints) -> WearingOff:
    """Mean and median headache days per 28 days over complete windows, as bounds."""
    upper = headache + missing
    low_mean, high_mean = mean_rate(headache, length), mean_rate(upper, length)
    low_median, high_median = median_rate(headache, length), median_rate(upper, length)
    return WearingOff(
        weeks=weeks,
        windows=int(headache.size),
        fully_recorded=int((missing == 0).sum()),
        mean=None if low_mean is None or high_mean is None else RateRange(low_mean, high_mean),
        median=(
            None
            if low_median is None or high_median is None
            else RateRange(low_median, high_median)
        ),
    )


@dataclass(frozen=True, slots=True)
class PopulationReport:
    """Every patient's figures as arrays indexed by pkey, and the clinic-level lists."""

    as_of: date
    patient_ids: tuple[str, ...]  # pkey → patient UUID
    patient: Mapping[str, Ints]  # per patient: judgements (0/1/2), verdict, counts
    overuse_rules: tuple[str, ...]
    overuse: npt.NDArray[np.int64]  # patients × rules: judgement per overuse rule
    cycles: Mapping[str, Ints]  # per cycle: pkey, number, counts, complete, responder
    responder_rates: tuple[CycleRate, ...]
    wearing_off: tuple[WearingOff, ...] = ()  # weeks 1–4, 5–8, 9–12

    @property
    def due_for_review(self) -> list[tuple[str, Verdict]]:
        """Patients a TA260 1.2 stopping rule applies to on `as_of`."""
        verdict = self.patient["verdict"]
        wanted = np.isin(verdict, [VERDICTS.index(v) for v in REVIEW_VERDICTS])
        return [(self.patient_ids[p], VERDICTS[int(verdict[p])]) for p in np.flatnonzero(wanted)]

    @property
    def with_overuse(self) -> list[tuple[str, tuple[str, ...]]]:
        """Patients with overuse of some class (ICHD-3 8.2 B met) and which classes."""
        met = self.overuse == MET
        return [
            (
                self.patient_ids[p],
                tuple(r for r, hit in zip(self.overuse_rules, met[p], strict=True) if hit),
            )
            for p in np.flatnonzero(met.any(axis=1))
        ]

    def verdict_counts(self) -> dict[str, int]:
        counts = np.bincount(self.patient["verdict"], minlength=len(VERDICTS))
        return {v.value: int(n) for v, n in zip(VERDICTS, counts, strict=True)}

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (patients listed by id only)."""
        thresholds = [t.reduction_percent for t in responder_thresholds()]
        return {
            "as_of": self.as_of.isoformat(),
            "patients": len(self.patient_ids),
            "continuation": self.verdict_counts(),
            "responder_rates": [
                {
                    "cycle": r.number,
                    "cycles": r.cycles,
                    "complete": r.complete,
                    **{
                        f"{t}": {
                            "responders": r.met[t],
                            "non_responders": r.not_met[t],
                            "not_evaluable": r.not_evaluable[t],
                            "rate_percent": r.rate_percent(t),
                        }
                        for t in thresholds
                    },
                }
                for r in self.responder_rates
            ],
            "wearing_off": [w.as_dict() for w in self.wearing_off],
            "due_for_review": [{"patient": p, "verdict": v.value} for p, v in self.due_for_review],
            "medication_overuse": [
                {"patient": p, "classes": list(c)} for p, c in self.with_overuse
            ],
        }


def population_report(store: Store | str | Path, as_of: date) -> PopulationReport:
    """The clinic's diary report as of `as_of`, from a columnar store (`bonta.migraine.store`)."""
    store = store if isinstance(store, Store) else open_store(store)
    columns = load_columns(store)
    con = connect()
    try:
        ids = con.execute(
            "SELECT patient_id FROM read_parquet(?) ORDER BY pkey", [str(store.patients)]
        ).fetchnumpy()["patient_id"]
    finally:
        con.close()
    return compute_report(columns, as_of, tuple(str(i) for i in ids))


def compute_report(columns: Columns, as_of: date, patient_ids: tuple[str, ...]) -> PopulationReport:
    """Every rule over every patient, from arrays (see the module docstring)."""
    n = columns.patients
    today = day_number(as_of)
    keep = columns.injection_day <= today  # injections after as_of are not yet given
    columns = replace(
        columns,
        injection_pkey=columns.injection_pkey[keep],
        injection_day=columns.injection_day[keep],
    )
    every = np.arange(n, dtype=np.int64)
    ipk, iday = columns.injection_pkey, columns.injection_day
    injections = np.bincount(ipk, minlength=n).astype(np.int64)
    first_index = np.searchsorted(ipk, every, side="left")
    treated = injections > 0
    anchor = np.full(n, today + 1, dtype=np.int64)  # `Diary.anchor`: as_of + 1 before treatment
    anchor[treated] = iday[first_index[treated]]
    days = period_days()
    last_complete = (today + 1 - anchor) // days - 1  # `diary_periods.last_complete_index`

    # Periods: -4 … -1 (chronic migraine, baseline), then the four latest complete ones.
    cm_rule = load("headache")["chronic_migraine"]
    mo_ref = load("headache")["medication_overuse"]
    cm_months = months_needed(int(cm_rule["more_than_months"]))
    mo_months = months_needed(int(mo_ref["more_than_months"]))
    before = np.arange(-cm_months, 0, dtype=np.int64)
    recent = np.arange(-mo_months + 1, 1, dtype=np.int64)
    k = np.concatenate(
        [np.repeat(before[None, :], n, 0), last_complete[:, None] + recent[None, :]], axis=1
    )
    starts = (anchor[:, None] + days * k).ravel()

    # Cycles: each injection to week 12, or the day before the next (`diary_periods.cycles`).
    same_next = np.zeros(ipk.size, dtype=bool)
    same_next[:-1] = ipk[1:] == ipk[:-1]
    next_day = np.zeros_like(iday)
    next_day[:-1] = iday[1:]
    cycle_end = iday + cycle_days() - 1
    cycle_end = np.where(same_next, np.minimum(cycle_end, next_day - 1), cycle_end)
    number = np.arange(ipk.size, dtype=np.int64) - first_index[ipk] + 1

    # Weeks 1–4 / 5–8 / 9–12 of each cycle, cut at its end (`diary_periods.cycles`): one row
    # per cycle, one column per window; a window that has not begun is counted over no day.
    window = cycle_window_days()
    per_cycle = cycle_days() // window
    w_start = iday[:, None] + window * np.arange(per_cycle, dtype=np.int64)[None, :]
    begun = (w_start <= cycle_end[:, None]) & (w_start <= today)
    w_stop = np.minimum(w_start + window - 1, cycle_end[:, None])
    w_stop = np.where(begun, w_stop, w_start - 1)  # empty: nothing counted, never read

    # One pass of prefix sums counts every period, cycle and cycle window of every patient.
    windows = count_windows(
        columns,
        np.concatenate([np.repeat(every, k.shape[1]), ipk, np.repeat(ipk, per_cycle)]),
        np.concatenate([starts, iday, w_start.ravel()]),
        np.concatenate([starts + days - 1, cycle_end, w_stop.ravel()]),
        today,
    )
    periods = windows.part(slice(0, starts.size))
    cyc = windows.part(slice(starts.size, starts.size + ipk.size))
    weeks = windows.part(slice(starts.size + ipk.size, None))
    width = k.shape[1]

    def per_period(name: str) -> Ints:
        return periods.counts[name].reshape(n, width)

    missing = periods.missing.reshape(n, width)
    headache = per_period("headache")
    migraine = per_period("migraine")
    cm_part = slice(0, cm_months)
    recent_part = slice(cm_months, width)

    # ICHD-3 1.3 over periods -4 … -1 (`diary_ichd.chronic_migraine`).
    month = np.minimum(
        at_least(headache, missing, int(cm_rule["headache_days_per_month"])),  # 1.3 A
        at_least(migraine, missing, int(cm_rule["migraine_days_per_month"])),  # 1.3 C
    )
    chronic_migraine = month[:, cm_part].min(axis=1)
    # TA260 1.1 over the baseline alone (`nice.nice_chronic_migraine`).
    nice = load("headache")["nice_ta260"]
    ini = nice["initiation"]
    b = cm_months - 1
    nice_cm = np.minimum(
        at_least(headache[:, b], missing[:, b], int(ini["headache_days_per_month"])),
        at_least(migraine[:, b], missing[:, b], int(ini["migraine_days_per_month"])),
    )

    # ICHD-3 8.2 B per rule over the latest complete periods (`diary_ichd.medication_overuse`).
    rules = overuse_rules()
    recent_missing = missing[:, recent_part]
    overuse = np.empty((n, len(rules)), dtype=np.int64)
    for r, rule in enumerate(rules):
        taken = per_period(f"overuse:{rule.name}")[:, recent_part]
        month_j = at_least(taken, recent_missing, rule.days_per_month)
        overuse[:, r] = month_j.min(axis=1)
    criterion_a = at_least(
        headache[:, recent_part], recent_missing, int(mo_ref["headache_days_per_month"])
    ).min(axis=1)

    complete = cycle_end <= today
    base_days = headache[:, b][ipk]
    base_missing = missing[:, b][ipk]
    base_len = np.full(ipk.size, days, dtype=np.int64)
    cycle_days_len = cyc.days_in_window
    cycle_headache = cyc.counts["headache"]
    responders = {
        t.reduction_percent: reaches(
            base_days,
            base_missing,
            base_len,
            cycle_headache,
            cyc.missing,
            cycle_days_len,
            t.reduction_percent,
        )
        for t in responder_thresholds()
    }

    # TA260 1.2 (`nice.nice_continuation`).
    resp = nice["inadequate_response"]
    after = int(resp["after_cycles"])
    judged_cycle = (number == after) & complete
    inadequate = np.full(n, NOT_EVALUABLE, dtype=np.int64)
    below = int(resp["reduction_percent_below"])
    adequate = reaches(
        base_days, base_missing, base_len, cycle_headache, cyc.missing, cycle_days_len, below
    )
    inadequate[ipk[judged_cycle]] = _invert(adequate[judged_cycle])
    response_due = np.zeros(n, dtype=bool)  # cycle 2 complete (`nice._judge_response`)
    response_due[ipk[judged_cycle]] = True
    # Episodic (`nice._judge_episodic`): 3 months are 3 to 4 periods (months of 28–31 days);
    # met when the latest 4 on-treatment periods all are, not met when one of the latest 3
    # is not (`diary_judgement.over_months`).
    epi = nice["episodic"]
    fewest, most = periods_for_months(int(epi["consecutive_months"]))
    assert most <= mo_months  # the recent periods counted above hold them
    epi_part = slice(width - most, width)
    on_treatment = (last_complete[:, None] + recent[None, -most:]) >= 0
    month_epi = fewer_than(
        headache[:, epi_part], missing[:, epi_part], int(epi["headache_days_per_month_below"])
    )
    not_met = (month_epi[:, most - fewest :] == NOT_MET).any(axis=1)
    all_met = (on_treatment & (month_epi == MET)).all(axis=1)
    episodic = np.where(not_met, NOT_MET, np.where(all_met, MET, NOT_EVALUABLE))
    episodic_due = last_complete - fewest + 1 >= 0
    episodic = np.where(episodic_due, episodic, NOT_EVALUABLE)
    episodic_gap = (on_treatment & (month_epi == NOT_EVALUABLE)).any(axis=1)
    # A rule that is due but undecided asks for a review, never "continue" (`nice` verdict).
    review = ((inadequate == NOT_EVALUABLE) & response_due) | (
        (episodic == NOT_EVALUABLE) & episodic_due & episodic_gap
    )
    verdict = np.select(
        [
            ~treated,
            inadequate == MET,
            episodic == MET,
            (inadequate == NOT_MET) & (episodic == NOT_MET),
            review,
        ],
        [
            VERDICTS.index(Verdict.NOT_YET_EVALUABLE),
            VERDICTS.index(Verdict.STOP_INADEQUATE_RESPONSE),
            VERDICTS.index(Verdict.STOP_EPISODIC),
            VERDICTS.index(Verdict.CONTINUE),
            VERDICTS.index(Verdict.REVIEW_NOT_EVALUABLE),
        ],
        default=VERDICTS.index(Verdict.NOT_YET_EVALUABLE),
    ).astype(np.int64)
    inadequate = np.where(treated, inadequate, NOT_EVALUABLE)
    episodic = np.where(treated, episodic, NOT_EVALUABLE)

    w_headache = weeks.counts["headache"].reshape(-1, per_cycle)
    w_length = weeks.days_in_window.reshape(-1, per_cycle)
    w_missing = weeks.missing.reshape(-1, per_cycle)
    w_complete = begun & (w_stop <= today)
    span = window // 7
    wearing_off = tuple(
        wearing_off_figure(
            f"{w * span + 1}-{(w + 1) * span}",
            w_headache[:, w][w_complete[:, w]],
            w_missing[:, w][w_complete[:, w]],
            w_length[:, w][w_complete[:, w]],
        )
        for w in range(per_cycle)
    )

    cycles = {
        "pkey": ipk,
        "number": number,
        "injection_day": iday,
        "end_day": cycle_end,
        "complete": complete.astype(np.int64),
        "days_in_window": cycle_days_len,
        "days_recorded": cyc.recorded,
        "headache_days": cycle_headache,
        **{f"responder_{t}": j for t, j in responders.items()},
        # per cycle × window (weeks 1–4, 5–8, 9–12); days_in_window 0: not begun
        "window_begun": begun.astype(np.int64),
        "window_complete": w_complete.astype(np.int64),
        "window_days_in_window": np.where(begun, w_length, 0),
        "window_days_recorded": weeks.recorded.reshape(-1, per_cycle),
        "window_headache_days": w_headache,
    }
    return PopulationReport(
        as_of=as_of,
        patient_ids=patient_ids,
        patient={
            "injections": injections,
            "verdict": verdict,
            "inadequate_response": inadequate,
            "episodic": episodic,
            "chronic_migraine": chronic_migraine,
            "nice_chronic_migraine": nice_cm,
            "overuse_criterion_a": criterion_a,
            "baseline_headache_days": headache[:, b],
            "baseline_migraine_days": migraine[:, b],
            "baseline_days_recorded": days - missing[:, b],
        },
        overuse_rules=tuple(r.name for r in rules),
        overuse=overuse,
        cycles=cycles,
        responder_rates=_rates(number, complete, responders),
        wearing_off=wearing_off,
    )


def _rates(
    number: Ints, complete: npt.NDArray[np.bool_], responders: Mapping[int, Ints]
) -> tuple[CycleRate, ...]:
    top = int(number.max()) if number.size else 0
    size = top + 1
    reached = np.bincount(number, minlength=size)
    done = np.bincount(number[complete], minlength=size)
    tallies: dict[int, dict[int, Ints]] = {}
    for t, judgement in responders.items():
        tallies[t] = {
            j: np.bincount(number[complete & (judgement == j)], minlength=size)
            for j in (MET, NOT_MET, NOT_EVALUABLE)
        }
    return tuple(
        CycleRate(
            number=c,
            cycles=int(reached[c]),
            complete=int(done[c]),
            met={t: int(v[MET][c]) for t, v in tallies.items()},
            not_met={t: int(v[NOT_MET][c]) for t, v in tallies.items()},
            not_evaluable={t: int(v[NOT_EVALUABLE][c]) for t, v in tallies.items()},
        )
        for c in range(1, size)
    )
