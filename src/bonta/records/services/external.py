"""Many administrations given elsewhere, for one patient or many, in one step (a FHIR import).

The rules are `record_external_administration`'s, applied per item by the same validators
(date in range and not in the future, a known product, units > 0 with at most two decimals, a
known pathway and muscles, an area of that pathway, a source system other than "local"): the
patients are locked once, the rows are inserted together, the history callbacks run once per
patient, and one audit event per patient names the count. A bad item raises InvalidInput
naming `items[i].field` and nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.db import transaction

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.anatomy import get_area, get_muscle
from bonta.domain.errors import InvalidInput
from bonta.domain.products import get_product
from bonta.records.models import ExternalAdministration, Patient
from bonta.records.services._common import (
    CLINICAL_WRITE,
    a_date,
    not_in_future,
    optional_text,
    pathway,
    positive_units,
    require_role,
)
from bonta.records.services.encounters import history_changed
from bonta.records.services.events import _source_system

LOT_MAX = 200  # the column's length


@dataclass(frozen=True)
class ExternalItem:
    on: date
    product: str
    units: Decimal | str | int
    pathway_code: str
    source_id: str
    area: str = ""
    muscles: Sequence[str] | None = None
    lot: str = ""  # as the source recorded it; a passport's lots comma-separated
    lot_expiry: date | None = None


def build_external_administration(
    patient: Patient, item: ExternalItem, source_system: str, field: str = ""
) -> ExternalAdministration:
    """One unsaved row, checked by record_external_administration's rules."""
    prefix = f"{field}." if field else ""
    way = pathway(item.pathway_code, f"{prefix}pathway")
    if item.area and get_area(item.area, f"{prefix}area").pathway is not way:
        raise InvalidInput(f"{prefix}area", f"{item.area} is not a {way.label.lower()} area")
    return ExternalAdministration(
        patient=patient,
        on=not_in_future(a_date(item.on, f"{prefix}on"), f"{prefix}on"),
        product=get_product(item.product, f"{prefix}product").code,
        units=positive_units(item.units, f"{prefix}units"),
        pathway=way.value,
        area=item.area,
        muscles=[get_muscle(m, f"{prefix}muscles[{i}]").code for i, m in enumerate(item.muscles)]
        if item.muscles
        else None,
        source_system=_source_system(source_system),
        source_id=str(item.source_id or "").strip(),
        lot=optional_text(item.lot, f"{prefix}lot", LOT_MAX),
        lot_expiry=a_date(item.lot_expiry, f"{prefix}lot_expiry")
        if item.lot_expiry is not None
        else None,
    )


def record_external_administrations(
    patient: Patient, items: Sequence[ExternalItem], *, by: User, source_system: str
) -> list[ExternalAdministration]:
    """Record `items` for `patient` (in the caller's transaction, or one of its own)."""
    return record_external_administrations_of_patients(
        [(patient, items)], by=by, source_system=source_system
    )


def record_external_administrations_of_patients(
    batches: Sequence[tuple[Patient, Sequence[ExternalItem]]], *, by: User, source_system: str
) -> list[ExternalAdministration]:
    """Record each patient's `items`, all in one set of queries: the patients locked at once
    (in id order), one check for records already imported, one insert; the history callbacks
    and one audit event per distinct patient. Returns the rows in the order given.

    A bad item raises InvalidInput naming `items[i].field` (one batch) or
    `patients[b].items[i].field`, and nothing is written."""
    require_role(by, CLINICAL_WRITE, "record external administrations")
    rows: list[ExternalAdministration] = []
    fields: list[str] = []  # each row's name in errors
    for b, (patient, items) in enumerate(batches):
        prefix = "items" if len(batches) == 1 else f"patients[{b}].items"
        for i, item in enumerate(items):
            fields.append(f"{prefix}[{i}]")
            rows.append(build_external_administration(patient, item, source_system, fields[-1]))
    if not rows:
        return []
    keys: dict[UUID, set[str]] = defaultdict(set)
    for row, name in zip(rows, fields, strict=True):
        if not row.source_id:
            continue
        if row.source_id in keys[row.patient_id]:
            raise InvalidInput(f"{name}.source_id", "the same source record appears twice")
        keys[row.patient_id].add(row.source_id)
    patients = sorted({row.patient_id for row in rows})
    with transaction.atomic():
        # Same lock as sign-off: a sign-off in flight re-checks after this commits.
        list(
            Patient.objects.select_for_update()
            .filter(pk__in=patients)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        wanted = {k for ks in keys.values() for k in ks}
        taken = set(
            ExternalAdministration.objects.filter(
                patient_id__in=patients, source_system=rows[0].source_system, source_id__in=wanted
            ).values_list("patient_id", "source_id")
        )
        for row, name in zip(rows, fields, strict=True):
            if (row.patient_id, row.source_id) in taken:
                raise InvalidInput(
                    f"{name}.source_id", "this source record is already recorded for the patient"
                )
        ExternalAdministration.objects.bulk_create(rows, batch_size=500)
        of_patient: dict[UUID, list[ExternalAdministration]] = defaultdict(list)
        for row in rows:
            of_patient[row.patient_id].append(row)
        for patient_id, theirs in of_patient.items():
            history_changed(patient_id)
            record(
                "external_administration.record",
                actor=by,
                object_type="patient",
                object_id=patient_id,
                patient_id=patient_id,
                detail={"count": len(theirs), "codes": sorted({r.product for r in theirs})},
            )
    return rows
