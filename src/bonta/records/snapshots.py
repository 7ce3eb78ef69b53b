"""The one boundary where database rows become the domain's `Snapshot`.

`build_snapshot(encounter_id)` reads, in a fixed number of queries whatever the history length:
the encounter and patient, the draft plan with its vials, every signed administration of this
patient (both pathways, all products), every external administration, and the vials' draws and
discards; plus what the apps registered in `PLANNING_CONTEXT` supply (a chronic-migraine plan:
the course's NICE TA260 state, from `bonta.migraine.planning`). History is one `PastTreatment`
per signed encounter per product, plus one per external record. The session date is the
encounter's local date in the clinic's time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Aggregate, CharField, Sum
from django.utils import timezone

from bonta.db.prepared import Statement, field_of
from bonta.domain.anatomy import areas
from bonta.domain.pathways import Pathway, Side
from bonta.domain.plan import Injection, PastTreatment, Plan, Snapshot, VialState
from bonta.records.models import (
    Administration,
    Encounter,
    EncounterStatus,
    ExternalAdministration,
    PlannedInjection,
    VialDiscard,
)
from bonta.records.models.base import units_total

# Snapshot fields that higher apps know and records does not (import-linter: records sits below
# the pathways). Each supplier takes (patient id, pathway, session date) and returns the value of
# its Snapshot field, or None; `bonta.migraine` registers "nice" (the course's NICE TA260 state
# from the diary) in its AppConfig.ready. Called once per snapshot, so once per check.
PLANNING_CONTEXT: dict[str, Callable[[UUID, Pathway, date], Any]] = {}


def planning_context(patient_id: UUID, pathway: Pathway, on: date) -> dict[str, Any]:
    """The registered suppliers' Snapshot fields for this plan (None values left out)."""
    found = {name: supply(patient_id, pathway, on) for name, supply in PLANNING_CONTEXT.items()}
    return {name: value for name, value in found.items() if value is not None}


def local_date(at: datetime) -> date:
    """The clinic's calendar date of an instant (settings.TIME_ZONE, not the request's)."""
    # DST and late-evening sessions: 23:30 local on the 1st is still the 1st, whatever UTC says.
    return timezone.localdate(at, timezone.get_default_timezone())


def vial_key(vial_id: UUID) -> str:
    return str(vial_id)


def build_snapshot(
    encounter_id: UUID,
    *,
    encounter: Encounter | None = None,
    planned: Sequence[PlannedInjection] | None = None,
) -> Snapshot:
    """Load everything the safety engine needs for this encounter's plan, fresh from the DB.

    A caller that has just loaded (and locked) the encounter with its patient, or the planned
    rows with their vials, passes them in so they are not read twice.
    """
    if encounter is None:
        encounter = Encounter.objects.select_related("patient").get(pk=encounter_id)
    if planned is None:
        planned = planned_rows(encounter_id)
    plan = Plan(
        at=encounter.at,
        pathway=Pathway(encounter.pathway),
        product=encounter.product,
        injections=tuple(_injection(row) for row in planned),
        vials=vial_states(planned),
        protocol=encounter.protocol or None,
    )
    on = local_date(encounter.at)
    return Snapshot(
        patient=encounter.patient.to_domain(),
        # Always read here, never from a page's `reading_once` (the check must see now).
        history=_read_history(encounter.patient_id, exclude_encounter=encounter_id),
        plan=plan,
        on=on,
        **planning_context(encounter.patient_id, plan.pathway, on),
    )


def _plan_query(encounter_id: UUID) -> Any:
    return (
        PlannedInjection.objects.filter(encounter_id=encounter_id)
        .select_related("vial")
        .annotate(
            vial_drawn=units_total(Administration, "vial_id", "vial_id"),
            vial_discarded=units_total(VialDiscard, "vial_id", "vial_id"),
        )
    )


# Compiled once (bonta.db.prepared): the draw and discard subqueries cost 1.6 ms to compile.
_PLAN: Statement[PlannedInjection] = Statement(
    _plan_query, encounter_id=field_of(PlannedInjection, "encounter")
)
_PLAN_LOCKING_VIALS: Statement[PlannedInjection] = Statement(
    lambda encounter_id: (
        _plan_query(encounter_id).select_for_update(of=("vial",)).order_by("vial_id", "position")
    ),
    encounter_id=field_of(PlannedInjection, "encounter"),
)


def planned_rows(encounter_id: UUID, *, lock_vials: bool = False) -> list[PlannedInjection]:
    """The draft's planned injections with their vials, in plan order.

    `lock_vials` takes the vials' row locks (in vial-id order, so two sign-offs drawing from
    the same vials cannot deadlock): another patient's sign-off may draw from the same vial.
    """
    if not lock_vials:
        return _PLAN.run(encounter_id=encounter_id)
    locked = _PLAN_LOCKING_VIALS.run(encounter_id=encounter_id)
    return sorted(locked, key=lambda row: row.position)


def _injection(row: PlannedInjection) -> Injection:
    return Injection(
        muscle=row.muscle,
        side=Side(row.side),
        units=row.units,
        point=row.point or None,
        vial=vial_key(row.vial_id),
    )


# Histories already read by the page being built (see `reading_once`); None outside one.
_page_reads: ContextVar[dict[tuple[UUID, UUID | None], tuple[PastTreatment, ...]] | None] = (
    ContextVar("bonta_page_history_reads", default=None)
)
# Signed sessions already read by the page being built, per patient (see `signed_sessions`).
_page_sessions: ContextVar[dict[UUID, tuple[SignedVisit, ...]] | None] = ContextVar(
    "bonta_page_session_reads", default=None
)


@contextmanager
def reading_once() -> Iterator[None]:
    """Within a read-only page (its one transaction), a patient's history is read once.

    The chart shows the history and its panels ask for it again (next-visit proposals, the
    cosmetic panel's sessions); inside this block `patient_history` and `signed_sessions`
    return what was already read in the same transaction. The memo ends with the block:
    nothing is kept between requests, and `build_snapshot` (the safety check, sign-off) always
    reads afresh. Only pages that write nothing but their audit events use it.
    """
    token = _page_reads.set({})
    sessions = _page_sessions.set({})
    try:
        yield
    finally:
        _page_reads.reset(token)
        _page_sessions.reset(sessions)


def remember_history(patient_id: UUID, history: tuple[PastTreatment, ...]) -> None:
    """Offer a history just read (the chart's) to `patient_history` inside `reading_once`."""
    reads = _page_reads.get()
    if reads is not None:
        reads[(patient_id, None)] = history


@dataclass(frozen=True, slots=True)
class SignedVisit:
    """A signed encounter as the panels list it: when, which pathway and product (the
    encounter's), and the muscles its administrations treated."""

    encounter_id: UUID
    at: datetime
    pathway: str
    product: str
    muscles: frozenset[str]


def remember_sessions(patient_id: UUID, visits: Iterable[SignedVisit]) -> None:
    """Offer every signed encounter of a patient, just read (the chart's timeline has them),
    to `signed_sessions` inside `reading_once`."""
    reads = _page_sessions.get()
    if reads is not None:
        reads[patient_id] = tuple(sorted(visits, key=lambda v: (v.at, v.encounter_id)))


def signed_sessions(patient_id: UUID, pathway: Pathway) -> list[SignedVisit]:
    """The patient's signed encounters on `pathway`, oldest first (then by id), each with its
    muscles: one grouped query, or none inside `reading_once` once the page has read them."""
    reads = _page_sessions.get()
    if reads is not None and patient_id in reads:
        return [v for v in reads[patient_id] if v.pathway == pathway.value]
    rows = (
        Encounter.objects.filter(
            patient_id=patient_id, pathway=pathway.value, status=EncounterStatus.SIGNED
        )
        .values_list("id", "at", "pathway", "product")
        .annotate(muscles=CodeList("administrations__muscle"))
        .order_by("at", "id")
    )
    return [
        SignedVisit(pk, at, way, product, _codes(muscles)) for pk, at, way, product, muscles in rows
    ]


def _codes(joined: str | None) -> frozenset[str]:
    return frozenset(joined.split(CodeList.separator)) if joined else frozenset()


def patient_history(
    patient_id: UUID, exclude_encounter: UUID | None = None
) -> tuple[PastTreatment, ...]:
    """Everything this patient has received: signed encounters here and external records.

    One row per signed encounter and product, summed and its muscles listed in SQL (a PREEMPT
    cycle is 31 administration rows, 7 muscles), so a long history costs one row per session.
    Inside `reading_once`, a history already read by the page is returned as read.
    """
    reads = _page_reads.get()
    if reads is None:
        return _read_history(patient_id, exclude_encounter)
    key = (patient_id, exclude_encounter)
    if key not in reads:
        reads[key] = _read_history(patient_id, exclude_encounter)
    return reads[key]


def _history_query(patient_id: UUID) -> Any:
    return (
        Administration.objects.filter(
            encounter__patient_id=patient_id, encounter__status=EncounterStatus.SIGNED
        )
        .values_list("encounter_id", "encounter__at", "encounter__pathway", "product")
        .annotate(total=Sum("units"), muscles=CodeList("muscle"))
        .order_by()
    )


_HISTORY: Statement[tuple[UUID, datetime, str, str, Decimal, str]] = Statement(
    _history_query, patient_id=field_of(Encounter, "patient")
)
_HISTORY_EXCLUDING: Statement[tuple[UUID, datetime, str, str, Decimal, str]] = Statement(
    lambda patient_id, encounter_id: _history_query(patient_id).exclude(encounter_id=encounter_id),
    patient_id=field_of(Encounter, "patient"),
    encounter_id=field_of(Administration, "encounter"),
)


def _read_history(
    patient_id: UUID, exclude_encounter: UUID | None = None
) -> tuple[PastTreatment, ...]:
    rows = (
        _HISTORY.run(patient_id=patient_id)
        if exclude_encounter is None
        else _HISTORY_EXCLUDING.run(patient_id=patient_id, encounter_id=exclude_encounter)
    )
    local = [
        signed_treatment(at, pathway, product, total, muscles)
        for _, at, pathway, product, total, muscles in rows
    ]
    return with_external(local, patient_id)


def signed_treatment(
    at: datetime, pathway: str, product: str, total: Decimal, muscles: str
) -> PastTreatment:
    """One signed encounter's administrations of one product (summed, muscles joined in SQL)."""
    return PastTreatment(
        on=local_date(at),
        product=product,
        units=total,
        pathway=Pathway(pathway),
        muscles=frozenset(muscles.split(CodeList.separator)),
    )


def with_external(
    local: list[PastTreatment],
    patient_id: UUID,
    external: Iterable[ExternalAdministration] | None = None,
) -> tuple[PastTreatment, ...]:
    """`local` plus the patient's external records (one query, unless the caller has read
    them: `external`), in the order the engine reads."""
    if external is None:
        external = _EXTERNAL.run(patient_id=patient_id)
    history = local + [_external(row) for row in external]
    return tuple(sorted(history, key=lambda h: (h.on, h.product)))


_EXTERNAL: Statement[ExternalAdministration] = Statement(
    lambda patient_id: ExternalAdministration.objects.filter(patient_id=patient_id),
    patient_id=field_of(ExternalAdministration, "patient"),
)


class CodeList(Aggregate):
    """A group's codes joined by commas, repeats included (reference codes never contain one).

    GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL. No DISTINCT: it costs a sort per group,
    and the caller makes a set anyway.
    """

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()
    separator = ","

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra)


def _external(row: ExternalAdministration) -> PastTreatment:
    """An imported record: on a pathway, or (pathway "") for another indication it names."""
    return PastTreatment(
        on=row.on,
        product=row.product,
        units=row.units,
        pathway=Pathway(row.pathway) if row.pathway else None,
        muscles=external_muscles(row.area, row.muscles),
        source=row.source_system,
        indication=None if row.pathway else row.indication,
    )


def external_muscles(area: str, muscles: Iterable[str] | None) -> frozenset[str] | None:
    """Sites of an imported record: as listed, else its area's muscles, else unknown (None)."""
    if muscles:
        return frozenset(muscles)
    if area and area in areas():
        return areas()[area].muscles
    return None


def vial_states(planned: Iterable[PlannedInjection]) -> dict[str, VialState]:
    """Each planned vial as it stands now: draws from signed administrations, recorded discards
    (summed in the same query as the plan rows, see `planned_rows`)."""
    states = {}
    for row in planned:
        v = row.vial
        states[vial_key(v.pk)] = VialState(
            product=v.product,
            lot=v.lot,
            expiry=v.expiry,
            size_units=v.size_units,
            diluent_ml=v.diluent_ml,
            reconstituted_at=v.reconstituted_at,
            units_drawn_before=row.vial_drawn,  # type: ignore[attr-defined]
            units_discarded=row.vial_discarded,  # type: ignore[attr-defined]
        )
    return states


@dataclass(frozen=True)
class PlanSummary:
    """Totals per product (never summed across products) and the number of points."""

    totals: dict[str, Decimal] = field(default_factory=dict)
    points: int = 0


def summarise(snapshot: Snapshot) -> PlanSummary:
    plan = snapshot.plan
    totals = {plan.product: snapshot.planned_units} if plan.injections else {}
    return PlanSummary(totals, len(plan.injections))
