"""Reduction in headache days against the baseline, and responder status.

The reduction of a window against the baseline period is
``100 × (1 − later_per_28 / baseline_per_28)`` with headache days per 28 days
(`DayCounts.per_28_days`). Missing days widen it into a range: the lowest reduction assumes every
missing day of the later window was a headache day and none of the baseline's, the highest the
opposite. Responder status at a threshold is met only when the lowest reduction reaches it,
not met only when the highest cannot (`bonta.domain.headache.judgement`), and neither when a
completion of the missing baseline days could leave the baseline with no headache day (a
reduction from zero is undefined, so no answer holds for every completion). Exact rational
arithmetic: 29.9 % is below 30 %, with no float rounding in between.

Thresholds: 30 % is NICE TA260 1.2 (clinical-reference §5). 50 % is asked for by issue 4 as a
reporting convention; the reference has no 50 % figure, so it is flagged `needs_verification`
and never drives a stopping rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import cache

from bonta.domain.headache.judgement import Judgement
from bonta.domain.headache.periods import DayCounts
from bonta.domain.reference import load


@dataclass(frozen=True, slots=True)
class ResponderThreshold:
    reduction_percent: int
    needs_verification: bool
    source: str


@cache
def responder_thresholds() -> tuple[ResponderThreshold, ...]:
    return tuple(
        ResponderThreshold(
            reduction_percent=int(raw["reduction_percent"]),
            needs_verification=bool(raw.get("needs_verification", False)),
            source=str(raw["source"]),
        )
        for raw in load("headache")["responder_thresholds"]
    )


@dataclass(frozen=True, slots=True)
class Reduction:
    """Reduction in headache days per 28 days against the baseline, as a range in percent.

    `lowest_percent` is None when the baseline may have had no headache day at all (the
    reduction is then unbounded below); `highest_percent` is None when it certainly had none
    (a reduction from zero is undefined).
    """

    baseline_per_28: tuple[Fraction, Fraction]
    later_per_28: tuple[Fraction, Fraction]
    lowest_percent: Fraction | None
    highest_percent: Fraction | None

    @property
    def exact_percent(self) -> Fraction | None:
        if self.lowest_percent is not None and self.lowest_percent == self.highest_percent:
            return self.lowest_percent
        return None

    def reaches(self, percent: int | Fraction | Decimal) -> Judgement:
        """Is the reduction at least `percent`?"""
        return reduction_reaches(self.lowest_percent, self.highest_percent, Fraction(percent))


def reduction_reaches(
    lowest: Fraction | None, highest: Fraction | None, threshold: Fraction
) -> Judgement:
    """Compare a reduction range with a threshold: at least `threshold` percent?

    Decided only if the answer holds for every completion of the missing days. When the
    baseline may have had no headache day (`lowest` is None), one completion leaves the
    reduction undefined, so neither answer holds for all of them: not evaluable — a sparser
    baseline never decides what the complete one leaves open (issue 10, finding 1).
    """
    if lowest is None or highest is None:
        return Judgement.NOT_EVALUABLE
    if lowest is not None and lowest >= threshold:
        return Judgement.MET
    if highest < threshold:
        return Judgement.NOT_MET
    return Judgement.NOT_EVALUABLE


def headache_day_reduction(baseline: DayCounts, later: DayCounts) -> Reduction:
    """Reduction in headache days per 28 days of `later` against `baseline`."""
    base_low, base_high = baseline.per_28_days(baseline.headache_days)
    later_low, later_high = later.per_28_days(later.headache_days)
    highest = None if base_high == 0 else 100 * (1 - later_low / base_high)
    lowest = None if base_low == 0 else 100 * (1 - later_high / base_low)
    return Reduction(
        baseline_per_28=(base_low, base_high),
        later_per_28=(later_low, later_high),
        lowest_percent=lowest,
        highest_percent=highest,
    )


def responder_status(reduction: Reduction) -> dict[int, Judgement]:
    """Responder status at each reference threshold (30 %, and 50 % flagged), by percent."""
    return {
        t.reduction_percent: reduction.reaches(t.reduction_percent) for t in responder_thresholds()
    }


def percent_for_display(value: Fraction | None) -> Decimal | None:
    """One decimal, rounded down, so a value below a threshold never prints as reaching it."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
