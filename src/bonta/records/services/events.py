"""Adverse events and administrations given elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.anatomy import get_area, get_muscle
from bonta.domain.errors import InvalidInput
from bonta.domain.products import get_product
from bonta.records.models import (
    URGENT_ADVERSE_EVENTS,
    AdverseEvent,
    AdverseEventOutcome,
    AdverseEventSeverity,
    AdverseEventType,
    Encounter,
    ExternalAdministration,
    Patient,
)
from bonta.records.services._common import (
    CLINICAL_READ,
    CLINICAL_WRITE,
    a_date,
    choice,
    not_in_future,
    optional_text,
    pathway,
    positive_units,
    require_role,
    required_text,
)
from bonta.records.services.encounters import history_changed


def record_adverse_event(
    patient: Patient,
    *,
    by: User,
    type: str,
    onset: date,
    severity: str,
    serious: bool = False,
    outcome: str = AdverseEventOutcome.ONGOING,
    encounter: Encounter | None = None,
    notes: str = "",
) -> AdverseEvent:
    """Record a side effect; distant-spread types are flagged urgent (clinical-reference §1.7)."""
    require_role(by, CLINICAL_WRITE, "record adverse events")
    code = choice(type, AdverseEventType, "type")
    if encounter is not None and encounter.patient_id != patient.pk:
        raise InvalidInput("encounter_id", "belongs to another patient")
    event = AdverseEvent(
        patient=patient,
        encounter=encounter,
        type=code,
        onset=not_in_future(a_date(onset, "onset"), "onset"),
        severity=choice(severity, AdverseEventSeverity, "severity"),
        serious=bool(serious),
        outcome=choice(outcome, AdverseEventOutcome, "outcome"),
        urgent=code in URGENT_ADVERSE_EVENTS,
        notes=optional_text(notes, "notes", multiline=True),
        recorded_by=by,
    )
    with transaction.atomic():
        event.save(force_insert=True)
        record(
            "adverse_event.record",
            actor=by,
            object_type="adverse_event",
            object_id=event.pk,
            patient_id=patient.pk,
            detail={"type": code, "urgent": event.urgent},
        )
    return event


def list_adverse_events(patient: Patient, *, by: User) -> list[AdverseEvent]:
    require_role(by, CLINICAL_READ, "view adverse events")
    with transaction.atomic():
        events = list(patient.adverse_events.all())
        record(
            "adverse_event.list",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(events)},
        )
    return events


def record_external_administration(
    patient: Patient,
    *,
    by: User,
    on: date,
    product: str,
    units: Decimal | str | int,
    source_system: str,
    pathway_code: str = "",
    indication: str = "",
    source_id: str = "",
    area: str = "",
    muscles: Sequence[str] | None = None,
    lot: str = "",
    lot_expiry: date | None = None,
) -> ExternalAdministration:
    """Record BoNT given elsewhere; it counts in every cumulative-dose and interval rule.

    Given on one of Bonta's pathways (`pathway_code`, optionally an `area` of it), or for
    another indication (`indication`, free text such as "cervical dystonia"; no pathway, no
    area): such a record counts toward the cumulative window and, for re-treatment, covers only
    the `muscles` it names. Exactly one of `pathway_code` and `indication` is given.
    """
    require_role(by, CLINICAL_WRITE, "record external administrations")
    other = str(indication or "").strip()
    if other and pathway_code:
        raise InvalidInput("indication", "give a pathway or another indication, not both")
    if not other and not pathway_code:
        raise InvalidInput("pathway", "give the pathway, or the other indication it was for")
    if len(other) > INDICATION_MAX:
        raise InvalidInput("indication", f"must be at most {INDICATION_MAX} characters")
    if other and area:
        raise InvalidInput("area", "an area belongs to a pathway; name the muscles instead")
    way = pathway(pathway_code) if not other else None
    if area and way is not None and get_area(area, "area").pathway is not way:
        raise InvalidInput("area", f"{area} is not a {way.label.lower()} area")
    row = ExternalAdministration(
        patient=patient,
        on=not_in_future(a_date(on, "on"), "on"),
        product=get_product(product, "product").code,
        units=positive_units(units, "units"),
        pathway=way.value if way is not None else "",
        indication=other,
        area=area,
        muscles=[get_muscle(m, f"muscles[{i}]").code for i, m in enumerate(muscles)]
        if muscles
        else None,
        source_system=_source_system(source_system),
        source_id=optional_text(source_id, "source_id", 200),
        lot=optional_text(lot, "lot", 200),
        lot_expiry=a_date(lot_expiry, "lot_expiry") if lot_expiry is not None else None,
    )
    if row.lot_expiry is not None and not row.lot:
        raise InvalidInput("lot_expiry", "an expiry belongs to a lot: give the lot too")
    with transaction.atomic():
        # Same lock as sign-off: a sign-off in flight re-checks after this commits.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        duplicate = ExternalAdministration.objects.filter(
            patient=patient, source_system=row.source_system, source_id=row.source_id
        )
        if row.source_id and duplicate.exists():
            raise InvalidInput("source_id", "this source record is already imported")
        row.save(force_insert=True)
        history_changed(patient.pk)
        record(
            "external_administration.record",
            actor=by,
            object_type="external_administration",
            object_id=row.pk,
            patient_id=patient.pk,
            detail={"product": row.product, "pathway": row.pathway or "other_indication"},
        )
    return row


INDICATION_MAX = 200  # the column's length


def _source_system(value: str) -> str:
    text = required_text(value, "source_system", 200)
    if text == "local":  # the domain reserves "local" for this clinic's own records
        raise InvalidInput("source_system", "'local' is reserved for this clinic's records")
    return text
