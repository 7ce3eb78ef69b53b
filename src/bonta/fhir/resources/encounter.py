"""Encounter: one signed visit on one pathway. Drafts are work in progress and are not sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from bonta.fhir.codes import coding, concept
from bonta.fhir.resources._common import ENCODE, drop_empty, instant, meta, pages, ref
from bonta.records.models import Encounter

FIELDS = ("pk", "patient_id", "pathway", "at", "signed_at", "signed_by_id")


def to_fhir(encounter: Encounter) -> dict[str, Any]:
    assert encounter.signed_by is not None  # signed encounters only (the registry)
    return build(
        encounter.pk,
        encounter.patient_id,
        encounter.pathway,
        encounter.at,
        encounter.signed_at,
        encounter.signed_by.pk,
    )


def build(
    pk: UUID,
    patient_id: UUID,
    pathway: str,
    at: datetime,
    signed_at: datetime | None,
    signed_by_id: int,
) -> dict[str, Any]:
    return drop_empty(
        {
            "resourceType": "Encounter",
            "id": str(pk),
            # A signed encounter is immutable; addenda (not sent in this slice) do not move it.
            "meta": meta(signed_at),
            "status": "finished",
            "class": coding("encounter-class", "clinic-visit"),
            "type": [concept("pathway", pathway)],
            "serviceType": concept("pathway", pathway),
            "subject": ref("Patient", patient_id),
            "participant": [{"individual": ref("Practitioner", signed_by_id)}],
            "period": {"start": instant(at)},
        }
    )


def export(rows: QuerySet[Encounter], size: int) -> Iterator[str]:
    """The bulk export of `rows` (filtered signed encounters), read as plain values."""
    for page in pages(rows, FIELDS, size):
        for values in page:
            yield ENCODE(build(*values))
