"""Snapshot builders: a clean, adult, label-dose session unless a test says otherwise.

Personas: Ada is an adult with nothing recorded (every plan built here passes for her);
tests change one fact at a time with `patient(...)`, `vial(...)` or `history`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bonta.domain.pathways import Pathway, Side
from bonta.domain.plan import (
    Injection,
    NiceState,
    PastTreatment,
    PatientState,
    Plan,
    Snapshot,
    VialState,
)
from bonta.domain.products import get_product
from bonta.domain.protocols import expand, get_protocol
from bonta.domain.safety import Finding, check

SESSION_DAY = date(2026, 6, 15)
SESSION_AT = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)

ADA = PatientState(birth_date=date(1985, 3, 2))

GLABELLAR = frozenset({"corrugator", "procerus"})
LATERAL_CANTHAL = frozenset({"orbicularis_oculi"})
FOREHEAD = frozenset({"frontalis"})
PREEMPT_MUSCLES = frozenset(
    {
        "frontalis",
        "corrugator",
        "procerus",
        "occipitalis",
        "temporalis",
        "trapezius",
        "cervical_paraspinal",
    }
)
ALL_PRODUCTS = ("botox", "botox_cosmetic", "dysport", "xeomin", "jeuveau", "daxxify", "letybo")
COSMETIC_ONLY_PRODUCTS = ("botox_cosmetic", "dysport", "xeomin", "jeuveau", "daxxify", "letybo")


def patient(**changes: object) -> PatientState:
    return replace(ADA, **changes)  # type: ignore[arg-type]


def vial(
    product: str,
    *,
    lot: str = "C4521",
    expiry: date = date(2027, 3, 31),
    size_units: Decimal | None = None,
    diluent_ml: Decimal | None = None,
    reconstituted_at: datetime | None = SESSION_AT - timedelta(hours=2),
    drawn: Decimal = Decimal(0),
    discarded: Decimal = Decimal(0),
) -> VialState:
    """A listed vial size of `product`, reconstituted two hours before the session."""
    label = get_product(product)
    size = size_units if size_units is not None else max(label.vial_sizes_units)
    if diluent_ml is None:
        by_size = {d.vial_units: d.diluent_ml for d in label.dilutions}
        diluent_ml = by_size.get(size, Decimal("2.5"))
    return VialState(product, lot, expiry, size, diluent_ml, reconstituted_at, drawn, discarded)


def injection(muscle: str, side: Side, units: Decimal | int | str, vial: str = "vial") -> Injection:
    return Injection(muscle, side, Decimal(units), vial=vial)


def plan(
    protocol: str | None = "glabellar_lines",
    product: str = "botox_cosmetic",
    *,
    injections: Iterable[Injection] | None = None,
    pathway: Pathway | None = None,
    at: datetime = SESSION_AT,
    vials: Mapping[str, VialState] | None = None,
) -> Plan:
    """A plan from a protocol template (or explicit injections) drawn from one vial."""
    if injections is None:
        assert protocol is not None
        injections = expand(get_protocol(protocol), product)
    if pathway is None:
        assert protocol is not None
        pathway = get_protocol(protocol).pathway
    return Plan(
        at=at,
        pathway=pathway,
        product=product,
        injections=tuple(injections),
        vials=dict(vials) if vials is not None else {"vial": vial(product)},
        protocol=protocol,
    )


def preempt_plan(**kwargs: object) -> Plan:
    return plan("preempt_fixed_site", "botox", **kwargs)  # type: ignore[arg-type]


def single_site_plan(
    product: str,
    muscle: str,
    units: Decimal | int | str,
    *,
    side: Side = Side.LEFT,
    pathway: Pathway = Pathway.COSMETIC,
) -> Plan:
    """All `units` in one injection: the shortest plan that puts a dose in one area."""
    return plan(None, product, injections=[injection(muscle, side, units)], pathway=pathway)


def session(
    plan_: Plan | None = None,
    *,
    history: Iterable[PastTreatment] = (),
    patient_: PatientState = ADA,
    on: date = SESSION_DAY,
    nice: NiceState | None = None,
) -> Snapshot:
    return Snapshot(patient_, tuple(history), plan_ if plan_ is not None else plan(), on, nice)


def past(
    on: date,
    product: str,
    units: Decimal | int | str,
    *,
    pathway: Pathway | None = None,
    muscles: frozenset[str] | None = GLABELLAR,
    source: str = "local",
) -> PastTreatment:
    """One earlier session; pathway defaults to the product's own."""
    if pathway is None:
        pathway = Pathway.CHRONIC_MIGRAINE if product == "botox" else Pathway.COSMETIC
    return PastTreatment(on, product, Decimal(units), pathway, muscles, source)


def days_before(days: int, day: date = SESSION_DAY) -> date:
    return day - timedelta(days=days)


def codes(snapshot: Snapshot) -> list[str]:
    return [f.code for f in check(snapshot)]


def only(code: str, snapshot: Snapshot) -> Finding:
    """The one finding with `code`; fails if there are none or several."""
    found = [f for f in check(snapshot) if f.code == code]
    assert len(found) == 1, found
    return found[0]
