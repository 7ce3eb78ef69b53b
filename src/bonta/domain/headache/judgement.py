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

from collections.abc import Iterable
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


def all_met(judgements: Iterable[Judgement]) -> Judgement:
    """Met when every part is met; not met as soon as one part is not met."""
    seen = list(judgements)
    if Judgement.NOT_MET in seen:
        return Judgement.NOT_MET
    if all(j is Judgement.MET for j in seen):
        return Judgement.MET
    return Judgement.NOT_EVALUABLE
