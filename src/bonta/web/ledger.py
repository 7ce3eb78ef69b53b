"""Dose ledger and vial clock for the chart: pure functions over domain objects.

It applies no rule of its own: the windows are `bonta.domain.ledger`'s (the cumulative window,
and the next allowed date with the cross-brand interval rule), the same functions the passport
and scheduling use, counted exactly as `bonta.domain.safety` counts them, so the dates shown
agree with what the safety check will say.

Included: every `PastTreatment` given (local and imported, both pathways, all products).
Not included: the plan being drafted (the encounter screen shows its own findings).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from bonta.domain.anatomy import Area, area_of, areas
from bonta.domain.ledger import CumulativeWindow, cumulative_window, next_allowed
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.domain.products import Product, get_product


@dataclass(frozen=True, slots=True)
class AreaLine:
    """One treatment area: the last session in it and when the next may be given."""

    area: str
    area_name: str
    pathway: Pathway
    product: Product
    last_on: date
    last_units: Decimal
    latest_overlap: PastTreatment  # the record that decides the date (any product/pathway)
    next_allowed: date | None  # None: the reference holds no verified interval
    interval: str
    source: str
    explanation: str = ""  # what binds, naming both products across a brand change

    def allowed_on(self, today: date) -> bool:
        return self.next_allowed is not None and self.next_allowed <= today


@dataclass(frozen=True, slots=True)
class SystemLedger:
    unit_system: str
    cumulative: CumulativeWindow | None
    areas: tuple[AreaLine, ...]


def dose_ledger(history: Sequence[PastTreatment], today: date) -> list[SystemLedger]:
    """One ledger per unit system the patient has received; units are never summed across."""
    systems = sorted({get_product(h.product).unit_system for h in history})
    lines = _area_lines(history)
    return [
        SystemLedger(
            unit_system=system,
            cumulative=cumulative_window(system, history, today),
            areas=tuple(
                sorted(
                    (a for a in lines if a.product.unit_system == system),
                    key=lambda a: (a.pathway.value, a.area_name),
                )
            ),
        )
        for system in systems
    ]


def _area_lines(history: Sequence[PastTreatment]) -> list[AreaLine]:
    last: dict[str, PastTreatment] = {}
    units: dict[tuple[str, date, str], Decimal] = defaultdict(Decimal)
    for h in sorted(history, key=lambda h: h.on):
        for code in _areas_of(h):
            last[code] = h
            units[(code, h.on, h.product)] += h.units
    result = []
    for code, h in last.items():
        area = areas()[code]
        product = get_product(h.product)
        overlapping = [o for o in history if _overlaps(o, area)]
        # The next session with this area's latest product: its interval and each earlier
        # product's own, the longest wins (bonta.domain.ledger, as the safety engine).
        allowed = next_allowed(product, [(o.on, o.product) for o in overlapping])
        bound = allowed.binding
        latest = max(overlapping, key=lambda o: o.on, default=h)
        if bound is not None:
            latest = next(
                o
                for o in overlapping
                if o.on == bound.earlier_on and o.product == bound.earlier_product.code
            )
        result.append(
            AreaLine(
                area=code,
                area_name=area.name,
                pathway=area.pathway,
                product=product,
                last_on=h.on,
                last_units=units[(code, h.on, h.product)],
                latest_overlap=latest,
                next_allowed=allowed.earliest,
                interval=bound.interval.describe() if bound else "",
                source=allowed.source,
                explanation=allowed.describe(),
            )
        )
    return result


def _areas_of(h: PastTreatment) -> set[str]:
    if h.muscles is None:
        return set()
    return {a for a in (area_of(h.pathway, m) for m in h.muscles) if a is not None}


def _overlaps(h: PastTreatment, area: Area) -> bool:
    # As safety.retreatment_too_soon: unknown sites count as overlapping on their pathway.
    if h.muscles is None:
        return h.pathway is area.pathway
    return not h.muscles.isdisjoint(area.muscles)


def reconstitution_deadline(product: Product, reconstituted_at: datetime | None) -> datetime | None:
    """When a reconstituted vial must be used by (label window), or None if unknown."""
    window = product.reconstitution_window
    if window is None or reconstituted_at is None:
        return None
    return reconstituted_at + timedelta(hours=window.hours)


def time_left(deadline: datetime | None, now: datetime) -> timedelta | None:
    if deadline is None:
        return None
    return max(deadline - now, timedelta(0))


def per_muscle_totals(rows: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for muscle, units in rows:
        totals[muscle] += units
    return dict(totals)
