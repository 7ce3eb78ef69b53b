"""Three-valued answers for thresholds over diaries with missing days.

A date with no diary entry is *missing*: it may have been a headache day or not. A count over a
window is therefore known only between a lower bound (the days recorded as such) and an upper
bound (those plus every missing day). A threshold is

- **met** when even the lower bound reaches it,
- **not met** when even the upper bound cannot reach it,
- **not evaluable** otherwise: the missing days could put it on either side.

This needs no coverage threshold (the reference gives none), never treats a missing day as
headache-free, and never guesses. In SQL: ``met = n >= t``, ``not_met = n + missing < t``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum


class Judgement(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_EVALUABLE = "not_evaluable"


def at_least(count: int, missing: int, threshold: int) -> Judgement:
    """Is `count` ≥ `threshold`, when up to `missing` more days could also count?"""
    if count >= threshold:
        return Judgement.MET
    if count + missing < threshold:
        return Judgement.NOT_MET
    return Judgement.NOT_EVALUABLE


def fewer_than(count: int, missing: int, threshold: int) -> Judgement:
    """Is `count` < `threshold`, when up to `missing` more days could also count?"""
    if count + missing < threshold:
        return Judgement.MET
    if count >= threshold:
        return Judgement.NOT_MET
    return Judgement.NOT_EVALUABLE


def at_least_per_month(
    count: int, missing: int, threshold: int, window_days: int, month_days: tuple[int, int]
) -> Judgement:
    """Is `count` over `window_days` at least `threshold` a month, for every month length?

    A month of L days (``month_days`` = shortest, longest) holds ``count × L / window_days``
    days at that rate. Met only if even the shortest month and no missing day reach the
    threshold; not met only if even the longest month with every missing day cannot. Exact
    integers, no rounding: no threshold other than the reference's is ever used.
    """
    shortest, longest = month_days
    if count * shortest >= threshold * window_days:
        return Judgement.MET
    if (count + missing) * longest < threshold * window_days:
        return Judgement.NOT_MET
    return Judgement.NOT_EVALUABLE


def fewer_than_per_month(
    count: int, missing: int, threshold: int, window_days: int, month_days: tuple[int, int]
) -> Judgement:
    """Is `count` over `window_days` fewer than `threshold` a month, for every month length?"""
    return invert(at_least_per_month(count, missing, threshold, window_days, month_days))


def invert(judgement: Judgement) -> Judgement:
    """Met ↔ not met; not evaluable stays."""
    return {
        Judgement.MET: Judgement.NOT_MET,
        Judgement.NOT_MET: Judgement.MET,
        Judgement.NOT_EVALUABLE: Judgement.NOT_EVALUABLE,
    }[judgement]


def over_months(per_period: Sequence[Judgement], fewest: int, most: int) -> Judgement:
    """A per-month condition held over N months, from periods oldest → latest.

    N months span `fewest` periods with the shortest months and `most` with the longest
    (`bonta.domain.headache.periods.periods_for_months`). Met only if the latest `most` periods
    are all met (true whatever the month length); not met if one of the latest `fewest` is not
    met (false whatever the month length); otherwise not evaluable.
    """
    latest = list(per_period)[-most:]
    if Judgement.NOT_MET in latest[-fewest:]:
        return Judgement.NOT_MET
    if len(latest) == most and all(j is Judgement.MET for j in latest):
        return Judgement.MET
    return Judgement.NOT_EVALUABLE


def all_met(judgements: Iterable[Judgement]) -> Judgement:
    """Met when every part is met; not met as soon as one part is not met."""
    seen = list(judgements)
    if Judgement.NOT_MET in seen:
        return Judgement.NOT_MET
    if all(j is Judgement.MET for j in seen):
        return Judgement.MET
    return Judgement.NOT_EVALUABLE
