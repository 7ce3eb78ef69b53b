"""NICE TA260: who may start botulinum toxin A for chronic migraine, and when to stop.

Initiation (TA260 1.1, clinical-reference §5) needs all three:

- chronic migraine *as NICE defines it*: headaches on ≥15 days per month of which ≥8 are with
  migraine. NICE states no duration, so one month is judged: the baseline period (the 28 days
  before the first injection; with no injection yet, the 28 days ending on `as_of`). ICHD-3's
  ">3 months" is reported apart (`bonta.domain.headache.ichd.chronic_migraine`);
- ≥3 preventive medicines that did not work, were not tolerated or are unsuitable — the number
  recorded in the assessment (None: not recorded);
- "the condition is appropriately managed for medication overuse" — a clinician's statement
  (`OveruseManagement`), stored with the date it was made; a diary cannot show it. The statement
  that counts is the latest made on or before `as_of` (`overuse_management_as_of`); with none,
  the criterion is *not evaluable* and the reason says "not recorded" — never assumed managed.

Continuation (TA260 1.2), judged on `as_of`:

- **inadequate response**: less than a 30 % reduction in headache days per month after 2
  treatment cycles. "Per month after 2 treatment cycles" is read as headache days per 28 days
  over the **whole second cycle** (the second injection to week 12, or to the day before the
  third injection if sooner), against the baseline period; it is judged once cycle 2 is
  complete. The whole cycle, not only weeks 9–12, so that end-of-cycle wearing-off (shown in
  the cycle windows) is not mistaken for non-response. NICE does not say which month; this is
  our reading.
- **episodic**: fewer than 15 headache days per month for 3 consecutive months, over the
  latest complete 28-day periods since the first injection.

Months over 28-day periods (issue 10, finding 4; as in `bonta.domain.headache.ichd`): a period
stands for a calendar month of 28 to 31 days and a rule is decided only if it holds for every
month length. The safe direction differs by rule and the reading keeps each one safe:

- *starting* (1.1, ≥15 headache days of which ≥8 migraine): met only with ≥15 and ≥8 in the
  28 days — the reading least favourable to starting; 14 days in 28 (up to 15.5 a 31-day
  month) is not evaluable, never "met".
- *stopping* as episodic (1.2, fewer than 15 a month for 3 months): each month is met only if
  even a 31-day month stays under 15 (13 days or fewer in 28, since 14 × 31 / 28 = 15.5), and
  3 months are only sure after **four** periods (3 periods are 84 days, shorter than any three
  calendar months; 4 are 112 ≥ 93). It is not met as soon as one of the latest three periods
  has ≥15 (not episodic whatever the month length). Stopping is never decided on a reading
  that favours stopping.
- *stopping* for inadequate response compares two rates per 28 days: the month length cancels.

Verdict (a stop holds for every completion of the missing days; so must a "continue"):

- `stop_inadequate_response` when the response rule is met; else `stop_episodic` when the
  episodic rule is met;
- `continue` only when **both** stopping rules are decided *not met*: never while one of them
  is not evaluable (issue 10, finding 2);
- `review_not_evaluable` when a stopping rule is due but the diary cannot decide it (missing
  diary days that could put a number on either side of its threshold, a baseline that may have
  had no headache day): `review` says, per rule, what must be reviewed and which data is
  missing;
- `not_yet_evaluable` otherwise: a rule is not yet due (no injection, fewer than 2 complete
  cycles, too few complete periods since the first injection).

Missing days are judged with bounds (`bonta.domain.headache.judgement`), never as headache-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.ichd import describe_period
from bonta.domain.headache.judgement import Judgement, all_met, invert, over_months
from bonta.domain.headache.outcomes import (
    Reduction,
    headache_day_reduction,
    percent_for_display,
)
from bonta.domain.headache.periods import (
    Cycle,
    DayCounts,
    Diary,
    Period,
    at_least_a_month,
    consecutive_periods,
    cycle,
    fewer_than_a_month,
    last_complete_index,
    period,
    periods_for_months,
)
from bonta.domain.reference import load


def _rules() -> dict[str, Any]:
    rules: dict[str, Any] = load("headache")["nice_ta260"]
    return rules


class Verdict(StrEnum):
    CONTINUE = "continue"
    STOP_INADEQUATE_RESPONSE = "stop_inadequate_response"
    STOP_EPISODIC = "stop_episodic"
    REVIEW_NOT_EVALUABLE = "review_not_evaluable"  # a rule is due, the diary cannot decide it
    NOT_YET_EVALUABLE = "not_yet_evaluable"  # a rule is not yet due


def baseline_period(diary: Diary) -> Period:
    """The 28 days before the first injection (or ending on `as_of` before any injection)."""
    return period(diary, -1)


def episodic_period_indices(diary: Diary) -> range | None:
    """The periods the episodic stopping rule judges: the latest complete ones since the first
    injection, as many as the longest reading of the months needs (on treatment only); None
    while too few are complete."""
    months = int(_rules()["episodic"]["consecutive_months"])
    fewest, most = periods_for_months(months)
    last = last_complete_index(diary)
    if last - fewest + 1 < 0:
        return None
    return range(last - min(most, last + 1) + 1, last + 1)


# ---- what the rules read (issue 10: a bounded read of the diary) ------------------------------


DateRange = tuple[date, date]  # first and last day, both included


def initiation_reads(as_of: date) -> tuple[DateRange, ...]:
    """The diary days `nice_initiation` reads on `as_of` (no injection yet): the baseline, the
    28 days ending on `as_of`."""
    return (_span(period(_dateless((), as_of), -1)),)


def continuation_reads(injections: Iterable[date], as_of: date) -> tuple[DateRange, ...]:
    """The diary days `nice_continuation` reads on `as_of`, and no others: the baseline (the 28
    days before the first injection), the response rule's cycle 2 (up to `as_of`) and the
    periods the episodic rule judges. A diary restricted to these days gives the same
    continuation, reasons and counts as the whole diary; a loader reads only these."""
    diary = _dateless(tuple(injections), as_of)
    if not diary.treated:
        return ()
    spans = [_span(baseline_period(diary))]
    after = int(_rules()["inadequate_response"]["after_cycles"])
    if len(diary.injections) >= after:
        second = cycle(diary, after - 1)
        spans.append((second.injection, min(second.end, as_of)))
    judged = episodic_period_indices(diary)
    if judged is not None:
        first, last = period(diary, judged.start), period(diary, judged.stop - 1)
        spans.append((first.counts.start, last.counts.end))
    return tuple(sorted(spans))


def _dateless(injections: tuple[date, ...], as_of: date) -> Diary:
    return Diary(days={}, injections=tuple(sorted(injections)), as_of=as_of, classified={})


def _span(p: Period) -> DateRange:
    return (p.counts.start, p.counts.end)


# ---- TA260 1.1 initiation ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OveruseManagement:
    """A clinician's statement for TA260 1.1: is the condition appropriately managed for
    medication overuse? `recorded_on` is the local date it was made (None: stated without a
    date, e.g. the CLI's `--overuse-managed` flag)."""

    managed: bool
    recorded_on: date | None = None


def overuse_management_as_of(
    statements: Iterable[OveruseManagement], as_of: date
) -> OveruseManagement | None:
    """The statement that counts on `as_of`: the latest made on or before it (None: none).

    `statements` come in the order they were recorded; of two made on the same date the later
    recorded wins. Statements dated after `as_of` are not yet made and are ignored.
    """
    found: OveruseManagement | None = None
    for statement in statements:
        on = statement.recorded_on
        if on is not None and on > as_of:
            continue
        if found is None or on is None or found.recorded_on is None or on >= found.recorded_on:
            found = statement
    return found


@dataclass(frozen=True, slots=True)
class Initiation:
    eligible: bool
    judgement: Judgement
    chronic_migraine: Judgement
    failed_preventives: Judgement
    overuse_managed: Judgement
    overuse_statement: OveruseManagement | None  # the statement judged (None: not recorded)
    baseline: Period
    reasons: tuple[str, ...]
    source: str


def nice_chronic_migraine(baseline: Period) -> Judgement:
    """TA260 1.1: headaches on ≥15 days per month of which ≥8 with migraine."""
    rule = _rules()["initiation"]
    c = baseline.counts
    return all_met(
        (
            at_least_a_month(c.headache_days, c.days_missing, int(rule["headache_days_per_month"])),
            at_least_a_month(c.migraine_days, c.days_missing, int(rule["migraine_days_per_month"])),
        )
    )


def enough_failed_preventives(failed: int | None) -> Judgement:
    """TA260 1.1: at least 3 preventive medicines failed, not tolerated or unsuitable."""
    if failed is None:
        return Judgement.NOT_EVALUABLE
    if isinstance(failed, bool) or failed < 0:
        raise InvalidInput("failed_preventives", "must be a whole number, 0 or more")
    needed = int(_rules()["initiation"]["failed_preventive_medicines"])
    return Judgement.MET if failed >= needed else Judgement.NOT_MET


def overuse_is_managed(statement: OveruseManagement | None) -> Judgement:
    """TA260 1.1: the condition is appropriately managed for medication overuse."""
    if statement is None:
        return Judgement.NOT_EVALUABLE  # not recorded: never assumed managed
    return Judgement.MET if statement.managed else Judgement.NOT_MET


def _overuse_text(statement: OveruseManagement | None) -> str:
    if statement is None:
        return "not recorded"
    said = "confirmed managed" if statement.managed else "recorded as not managed"
    if statement.recorded_on is None:
        return said
    return f"{said} on {statement.recorded_on.isoformat()}"


def nice_initiation(
    diary: Diary,
    failed_preventives: int | None,
    overuse_managed: OveruseManagement | bool | None,
) -> Initiation:
    """NICE TA260 1.1 start eligibility, with a reason per criterion.

    `overuse_managed` is the clinician's statement that counts (`overuse_management_as_of`); a
    bare bool is an undated statement.
    """
    rule = _rules()["initiation"]
    baseline = baseline_period(diary)
    c = baseline.counts
    cm = nice_chronic_migraine(baseline)
    preventives = enough_failed_preventives(failed_preventives)
    statement = (
        OveruseManagement(overuse_managed) if isinstance(overuse_managed, bool) else overuse_managed
    )
    overuse = overuse_is_managed(statement)
    reasons = [
        f"chronic migraine (NICE TA260 1.1: ≥{rule['headache_days_per_month']} headache days "
        f"of which ≥{rule['migraine_days_per_month']} with migraine, per month): "
        f"{describe_period(baseline)} has {c.headache_days} headache days and "
        f"{c.migraine_days} migraine days, {c.days_recorded} of {c.days_in_window} days "
        f"recorded: {cm.value}",
        "preventive medicines failed, not tolerated or unsuitable (NICE TA260 1.1: "
        f"≥{rule['failed_preventive_medicines']}): "
        + ("not recorded" if failed_preventives is None else str(failed_preventives))
        + f": {preventives.value}",
        "medication overuse appropriately managed (NICE TA260 1.1, a clinician's statement): "
        + _overuse_text(statement)
        + f": {overuse.value}",
    ]
    overall = all_met((cm, preventives, overuse))
    return Initiation(
        eligible=overall is Judgement.MET,
        judgement=overall,
        chronic_migraine=cm,
        failed_preventives=preventives,
        overuse_managed=overuse,
        overuse_statement=statement,
        baseline=baseline,
        reasons=tuple(reasons),
        source=str(rule["source"]),
    )


# ---- TA260 1.2 continuation --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Continuation:
    verdict: Verdict
    reasons: tuple[str, ...]
    baseline: Period | None
    response_cycle: Cycle | None  # the cycle the response rule judges (cycle 2)
    reduction: Reduction | None
    inadequate_response: Judgement  # met: stop
    episodic_periods: tuple[Period, ...]
    episodic: Judgement  # met: stop
    source: str
    # Per stopping rule that is due but not evaluable: what to review, which data is missing.
    review: tuple[str, ...] = ()


def inadequate_response(reduction: Reduction) -> Judgement:
    """TA260 1.2: less than a 30 % reduction in headache days per month."""
    below = int(_rules()["inadequate_response"]["reduction_percent_below"])
    return invert(reduction.reaches(below))


def episodic_month(p: Period) -> Judgement:
    """TA260 1.2: fewer than 15 headache days in the month, whatever its length (28–31 days)."""
    below = int(_rules()["episodic"]["headache_days_per_month_below"])
    return fewer_than_a_month(p.counts.headache_days, p.counts.days_missing, below)


def _missing_text(label: str, c: DayCounts) -> str:
    span = f"{c.start.isoformat()} to {c.end.isoformat()}"
    return f"{label} ({span}): {c.days_missing} of {c.days_in_window} days missing"


def _judge_response(
    diary: Diary, baseline: Period, reasons: list[str], review: list[str]
) -> tuple[Cycle | None, Reduction | None, Judgement]:
    rule = _rules()["inadequate_response"]
    after = int(rule["after_cycles"])  # TA260 1.2: after 2 treatment cycles
    below = int(rule["reduction_percent_below"])
    injected = len(diary.injections)
    if injected < after:
        reasons.append(
            f"response (NICE TA260 1.2, <{below}% reduction after {after} cycles): "
            f"not yet evaluable: {injected} injection(s) recorded, {after} cycles needed"
        )
        return None, None, Judgement.NOT_EVALUABLE
    judged = cycle(diary, after - 1)  # only cycle 2 is judged: the others are not counted
    if not judged.complete:
        reasons.append(
            f"response (NICE TA260 1.2): not yet evaluable: cycle {after} "
            f"({judged.injection.isoformat()} to {judged.end.isoformat()}) is not complete"
        )
        return judged, None, Judgement.NOT_EVALUABLE
    reduction = headache_day_reduction(baseline.counts, judged.counts)
    judgement = inadequate_response(reduction)
    c, b = judged.counts, baseline.counts
    numbers = (
        f"baseline {b.headache_days} headache days in {b.days_recorded} of "
        f"{b.days_in_window} days recorded; cycle {after} "
        f"({judged.injection.isoformat()} to {judged.end.isoformat()}) {c.headache_days} "
        f"headache days in {c.days_recorded} of {c.days_in_window} days recorded; "
        f"reduction {_percent_text(reduction)}"
    )
    if reduction.highest_percent is None:
        state = "not evaluable: the baseline has no headache day, a reduction is undefined"
        review.append(
            f"response (NICE TA260 1.2): review the baseline: {describe_period(baseline)} has "
            "no headache day recorded, so a reduction from it is undefined"
            + ("" if b.days_missing == 0 else f"; {_missing_text('baseline', b)}")
        )
    elif reduction.lowest_percent is None:
        state = (
            "not evaluable: missing baseline days leave it possibly without a headache day, "
            "a reduction from zero is undefined"
        )
        review.append(
            "response (NICE TA260 1.2): review the missing baseline days: "
            f"{_missing_text('baseline', b)}; recorded, they would decide whether the baseline "
            "had any headache day"
        )
    elif judgement is Judgement.NOT_EVALUABLE:
        state = f"not evaluable: missing diary days could put the reduction either side of {below}%"
        missing = [
            _missing_text(label, counts)
            for label, counts in (("baseline", b), (f"cycle {after}", c))
            if counts.days_missing
        ]
        review.append(
            "response (NICE TA260 1.2): review the missing diary days: " + "; ".join(missing)
        )
    elif judgement is Judgement.MET:
        state = f"inadequate (<{below}%): stop"
    else:
        state = f"adequate (≥{below}%)"
    reasons.append(f"response (NICE TA260 1.2): {numbers}: {state}")
    return judged, reduction, judgement


def _judge_episodic(
    diary: Diary, reasons: list[str], review: list[str]
) -> tuple[tuple[Period, ...], Judgement]:
    rule = _rules()["episodic"]
    months = int(rule["consecutive_months"])  # TA260 1.2: 3 consecutive months
    below = int(rule["headache_days_per_month_below"])
    fewest, most = periods_for_months(months)  # 3 or 4 periods: months of 28 or 31 days
    last = last_complete_index(diary)
    judged_indices = episodic_period_indices(diary)
    if judged_indices is None:
        reasons.append(
            f"episodic (NICE TA260 1.2, <{below} headache days per month for {months} "
            f"consecutive months): not yet evaluable: {max(last + 1, 0)} complete 28-day "
            "period(s) since the first injection"
        )
        return (), Judgement.NOT_EVALUABLE
    judged = consecutive_periods(diary, judged_indices.stop - 1, len(judged_indices))
    per_period = [episodic_month(p) for p in judged]
    judgement = over_months(per_period, fewest, most)
    counts = "; ".join(
        f"{describe_period(p)} {p.counts.headache_days} headache days in "
        f"{p.counts.days_recorded} of {p.counts.days_in_window} days recorded"
        for p in judged
    )
    reasons.append(
        f"episodic (NICE TA260 1.2, <{below} headache days per month for {months} "
        f"consecutive months; a month is 28 to 31 days, so {months} months are {fewest} to "
        f"{most} periods and each period must stay under {below} even as a 31-day month): "
        f"{counts}: {judgement.value}"
    )
    undecided = [
        f"{_missing_text(p.label, p.counts)}, {p.counts.headache_days} headache days"
        for p, j in zip(judged, per_period, strict=True)
        if j is Judgement.NOT_EVALUABLE
    ]
    if judgement is Judgement.NOT_EVALUABLE and undecided:
        review.append(
            f"episodic (NICE TA260 1.2): review these periods, either side of <{below} headache "
            "days a month (missing days, or a month of 28 to 31 days): " + "; ".join(undecided)
        )
    return judged, judgement


def nice_continuation(diary: Diary) -> Continuation:
    """NICE TA260 1.2 stopping rules as of `diary.as_of`, with the numbers behind them."""
    source = str(_rules()["inadequate_response"]["source"])
    if not diary.treated:
        return Continuation(
            verdict=Verdict.NOT_YET_EVALUABLE,
            reasons=("no injection recorded: the stopping rules apply once treatment started",),
            baseline=None,
            response_cycle=None,
            reduction=None,
            inadequate_response=Judgement.NOT_EVALUABLE,
            episodic_periods=(),
            episodic=Judgement.NOT_EVALUABLE,
            source=source,
        )
    reasons: list[str] = []
    review: list[str] = []
    baseline = baseline_period(diary)
    cycle, reduction, inadequate = _judge_response(diary, baseline, reasons, review)
    episodic_periods, episodic = _judge_episodic(diary, reasons, review)
    if inadequate is Judgement.MET:
        verdict = Verdict.STOP_INADEQUATE_RESPONSE
    elif episodic is Judgement.MET:
        verdict = Verdict.STOP_EPISODIC
    elif inadequate is Judgement.NOT_MET and episodic is Judgement.NOT_MET:
        verdict = Verdict.CONTINUE
    elif review:
        verdict = Verdict.REVIEW_NOT_EVALUABLE
    else:
        verdict = Verdict.NOT_YET_EVALUABLE
    if verdict in (Verdict.STOP_INADEQUATE_RESPONSE, Verdict.STOP_EPISODIC):
        review = []  # a stop is decided whatever the other rule says
    return Continuation(
        verdict=verdict,
        reasons=tuple(reasons),
        baseline=baseline,
        response_cycle=cycle,
        reduction=reduction,
        inadequate_response=inadequate,
        episodic_periods=episodic_periods,
        episodic=episodic,
        source=source,
        review=tuple(review),
    )


def _percent_text(reduction: Reduction) -> str:
    low = percent_for_display(reduction.lowest_percent)
    high = percent_for_display(reduction.highest_percent)
    if high is None:
        return "undefined"
    if reduction.exact_percent is not None:
        return f"{high}%"
    return f"between {'-∞' if low is None else str(low) + '%'} and {high}%"
