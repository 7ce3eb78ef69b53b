"""Many administrations given elsewhere for one patient, in one step (a FHIR import).

The rules are `record_external_administration`'s, applied per item by the same validators
(date in range and not in the future, a known product, units > 0 with at most two decimals, a
known pathway and muscles, an area of that pathway, a source system other than "local"): the
patient is locked once, the rows are inserted together, the history callbacks run once, and
one audit event names the count. A bad item raises InvalidInput naming `items[i].field` and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
    pathway,
    positive_units,
    require_role,
)
from bonta.records.services.encounters import history_changed
from bonta.records.services.events import _source_system


@dataclass(frozen=True)
class ExternalItem:
    on: date
    product: str
    units: Decimal | str | int
    pathway_code: str
    source_id: str
    area: str = ""
    muscles: Sequence[str] | None = None


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
    )


def record_external_administrations(
    patient: Patient, items: Sequence[ExternalItem], *, by: User, source_system: str
) -> list[ExternalAdministration]:
    """Record `items` for `patient` (in the caller's transaction, or one of its own)."""
    require_role(by, CLINICAL_WRITE, "record external administrations")
    rows = [
        build_external_administration(patient, item, source_system, f"items[{i}]")
        for i, item in enumerate(items)
    ]
    if not rows:
        return []
    keys = [r.source_id for r in rows if r.source_id]
    if len(keys) != len(set(keys)):
        raise InvalidInput("items", "the same source record appears twice")
    with transaction.atomic():
        # Same lock as sign-off: a sign-off in flight re-checks after this commits.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        taken = set(
            ExternalAdministration.objects.filter(
                patient=patient, source_system=rows[0].source_system, source_id__in=keys
            ).values_list("source_id", flat=True)
        )
        if taken:
            raise InvalidInput("items", "a source record is already imported")
        ExternalAdministration.objects.bulk_create(rows)
        history_changed(patient.pk)
        record(
            "external_administration.record",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(rows), "codes": sorted({r.product for r in rows})},
        )
    return rows
