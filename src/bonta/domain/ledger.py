"""The dose ledger's two windows, counted exactly as the safety engine counts them.

One place for what the chart's ledger, the toxin passport and scheduling show, so that the
dates they give agree with what `bonta.domain.safety` will say at the next check:

- `cumulative_window`: the units of one unit system in the label's cumulative window
  (today − N, today], half-open like `safety.cumulative_dose_exceeded`; the strictest limit
  of the products of that system applies; units of two systems are never added.
- `next_allowed`: the first day a product may be given again in muscles that earlier records
  share with it. As `safety.retreatment_too_soon` (clinical-reference §11.3): for each earlier
  overlapping record, the planned product's interval *and* the record's own product's interval
  apply, and the longest wins — a brand change never resets the clock. The result names the
  interval that binds and, when the brands differ, both products.

Only verified label intervals ([P]/[S]) bind here: a [W] interval (`weak_retreatment_interval`)
only warns in the engine, so it never moves a proposed date. A caller may give the planned
product an interval of its own (scheduling: the clinic's minimum for a product with no verified
label interval), which is then named as such.

Pure Python: no Django, no I/O, no clock (`today` is given).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bonta.domain.calendar import Interval
from bonta.domain.plan import PastTreatment
from bonta.domain.products import Product, all_products, get_product


@dataclass(frozen=True, slots=True)
class CumulativeWindow:
    """Units of one unit system in the label's window (start, end]."""

    unit_system: str
    units: Decimal
    limit_units: Decimal
    start: date  # exclusive
    end: date  # inclusive
    window: str
    source: str

    @property
    def remaining_units(self) -> Decimal:
        return max(self.limit_units - self.units, Decimal(0))


def cumulative_window(
    unit_system: str, history: Iterable[PastTreatment], today: date
) -> CumulativeWindow | None:
    """The units of `unit_system` given in its label window to `today`; None when no product
    of that system has a cumulative limit in the reference (nothing to count against)."""
    limits = [
        p.cumulative_limit
        for p in all_products().values()
        if p.unit_system == unit_system and p.cumulative_limit is not None
    ]
    if not limits:
        return None
    limit = min(limits, key=lambda lim: lim.units)
    start = limit.window.before(today)  # half-open (start, today], as the engine counts it
    units = sum(
        (
            h.units
            for h in history
            if start < h.on <= today and get_product(h.product).unit_system == unit_system
        ),
        Decimal(0),
    )
    return CumulativeWindow(
        unit_system, units, limit.units, start, today, limit.window.describe(), limit.source
    )


@dataclass(frozen=True, slots=True)
class IntervalBound:
    """One interval that keeps `planned` away from one earlier record in shared muscles."""

    earlier_on: date
    earlier_product: Product
    product: Product  # whose interval this is: the planned product or the earlier one
    interval: Interval
    earliest: date  # interval.after(earlier_on)


@dataclass(frozen=True, slots=True)
class NextAllowed:
    """The first day `planned` may be given again; `earliest` None: no verified interval
    applies (`unknown` names the products involved that have none)."""

    planned: Product
    earliest: date | None
    binding: IntervalBound | None
    bounds: tuple[IntervalBound, ...]
    unknown: tuple[Product, ...]

    def describe(self) -> str:
        """What binds, in words; across brands it names both products and both intervals:
        "90 days after 2025-01-10: BOTOX Cosmetic's interval, the longer of BOTOX Cosmetic's
        90 days and BOTOX's 12 weeks". Empty when nothing binds."""
        b = self.binding
        if b is None:
            return ""
        text = f"{b.interval.describe()} after {b.earlier_on.isoformat()}"
        if b.product is self.planned and b.earlier_product is self.planned:
            return text
        rival_product = b.earlier_product if b.product is self.planned else self.planned
        rival = next(
            (
                x
                for x in self.bounds
                if x.product is rival_product
                and x.earlier_on == b.earlier_on
                and x.earlier_product is b.earlier_product
            ),
            None,
        )
        rival_text = (
            f"{rival_product.brand}'s {rival.interval.describe()}"
            if rival is not None
            else f"{rival_product.brand}'s, which has no verified interval"
        )
        return (
            f"{text} ({b.earlier_product.brand} on that day): {b.product.brand}'s interval, "
            f"the longer of {b.product.brand}'s {b.interval.describe()} and {rival_text}"
        )

    @property
    def source(self) -> str:
        return self.binding.interval.source if self.binding else self.planned.source


def next_allowed(
    planned: Product,
    earlier: Iterable[tuple[date, str]],
    planned_interval: Interval | None = None,
) -> NextAllowed:
    """The first day `planned` may be given after the `earlier` records (date, product code)
    that share muscles with it: per record, the planned product's interval and the record's
    product's own interval, the longest wins (§11.3). `planned_interval` stands in for the
    planned product's label interval (None: the label's)."""
    own = planned.retreatment_interval if planned_interval is None else planned_interval
    bounds: list[IntervalBound] = []
    unknown: dict[str, Product] = {}
    if own is None:
        unknown[planned.code] = planned
    for on, code in sorted(set(earlier)):
        product = get_product(code, "history.product")
        candidates = [(planned, own)]
        if product is not planned:
            candidates.append((product, product.retreatment_interval))
        for whose, interval in candidates:
            if interval is None:
                unknown[whose.code] = whose
                continue
            bounds.append(IntervalBound(on, product, whose, interval, interval.after(on)))
    # Latest first; on a tie the planned product's own interval, then the earlier record's
    # brand (as the engine's message), so the result does not depend on history order.
    binding = min(
        bounds,
        key=lambda b: (-b.earliest.toordinal(), b.product is not planned, b.product.brand),
        default=None,
    )
    return NextAllowed(
        planned,
        binding.earliest if binding else None,
        binding,
        tuple(bounds),
        tuple(sorted(unknown.values(), key=lambda p: p.brand)),
    )
