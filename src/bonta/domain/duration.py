"""How long a cosmetic treatment lasts: population priors and the patient's own observations.

The model is a weighted mean that a clinician can redo on paper:

    predicted days = (k × anchor days + sum of the patient's observed days) / (k + n)

- `anchor` is the population prior for the product and area (`reference/durations.toml`, with
  its source and status); where the reference has none, the caller passes the label minimum
  interval instead, so the model never makes a duration up.
- `n` observations are the patient's own: days from a session to the `wore_off_on` date the
  patient or a follow-up recorded, for the same product in the same area only (units and
  responses of different products are not interchangeable, clinical-reference §3).
- `k` (`prior_weight`) says how many observed treatments the prior is worth: with no history
  the prediction is the prior, with n = k the two weigh the same, and each further observation
  moves it toward the patient's own mean. k is a Bonta modelling choice, not a clinical fact.

Months are calendar months counted from the session date, so "4 months" after 15 June is the
days to 15 October. Predictions are rounded up to whole days (late is the safe side).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache
from typing import cast

from bonta.domain.anatomy import get_area
from bonta.domain.calendar import Interval, IntervalUnit
from bonta.domain.errors import InvalidInput
from bonta.domain.products import get_product
from bonta.domain.reference import load

UNITS = ("days", "weeks", "months")


@dataclass(frozen=True, slots=True)
class DurationPrior:
    """A population figure for how long one product lasts in one area (a prior, not a rule)."""

    product: str
    area: str
    duration: Interval
    stated: str
    status: str
    needs_verification: bool
    source: str
    note: str

    def days_after(self, day: date) -> int:
        """The prior in days when counted from `day` (calendar months differ in length)."""
        return (self.duration.after(day) - day).days

    def cite(self) -> str:
        """Short citation for an explanation: figure, status, and a weak-source warning."""
        weak = ", weak source: needs verification" if self.needs_verification else ""
        return f"{self.duration.describe()} ({self.status}{weak}; {self.source})"


@dataclass(frozen=True, slots=True)
class Observation:
    """One treatment whose end of effect was recorded."""

    treated_on: date
    wore_off_on: date

    @property
    def days(self) -> int:
        return (self.wore_off_on - self.treated_on).days


def _prior(product: str, area: str, raw: Mapping[str, object]) -> DurationPrior:
    where = f"durations.{product}.{area}"
    get_product(product, where)
    get_area(area, where)
    unit = raw["unit"]
    amount = raw["amount"]
    if unit not in UNITS or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(where, f"bad duration {amount!r} {unit!r}")
    return DurationPrior(
        product=product,
        area=area,
        duration=Interval(amount, cast(IntervalUnit, unit), str(raw["source"])),
        stated=str(raw["stated"]),
        status=str(raw["status"]),
        needs_verification=bool(raw["needs_verification"]),
        source=str(raw["source"]),
        note=str(raw["note"]),
    )


@cache
def duration_priors() -> Mapping[tuple[str, str], DurationPrior]:
    """Every population prior, keyed by (product, area)."""
    return {
        (product, area): _prior(product, area, raw)
        for product, by_area in load("durations").items()
        for area, raw in by_area.items()
    }


def population_prior(product: str, area: str) -> DurationPrior | None:
    """The reference's duration of effect for this product in this area, if it gives one."""
    return duration_priors().get((product, area))


def shrunk_duration(anchor_days: int, observed_days: Sequence[int], prior_weight: int) -> Fraction:
    """Exact weighted mean of the anchor (weight k) and the observations (weight 1 each)."""
    if prior_weight < 0:
        raise InvalidInput("prior_weight", f"must be 0 or more, not {prior_weight}")
    n = len(observed_days)
    if n == 0:
        return Fraction(anchor_days)
    return Fraction(prior_weight * anchor_days + sum(observed_days), prior_weight + n)


def predicted_days(anchor_days: int, observed_days: Sequence[int], prior_weight: int) -> int:
    """`shrunk_duration` rounded up to whole days."""
    return math.ceil(shrunk_duration(anchor_days, observed_days, prior_weight))
