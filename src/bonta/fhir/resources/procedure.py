"""Procedure: the injection session of a signed encounter, with the muscles it treated."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Min, QuerySet

from bonta.fhir.codes import concept, muscle_codings
from bonta.fhir.resources._common import ENCODE, drop_empty, instant, meta, pages, ref
from bonta.fhir.resources.encounter import FIELDS
from bonta.records.models import Administration, Encounter


def to_fhir(encounter: Encounter) -> dict[str, Any]:
    """`encounter` with `administrations` prefetched (the muscles come from them)."""
    assert encounter.signed_by is not None
    return build(
        encounter.pk,
        encounter.patient_id,
        encounter.pathway,
        encounter.at,
        encounter.signed_at,
        encounter.signed_by.pk,
        muscles=[a.muscle for a in encounter.administrations.all()],
    )


def build(
    pk: UUID,
    patient_id: UUID,
    pathway: str,
    at: datetime,
    signed_at: datetime | None,
    signed_by_id: int,
    *,
    muscles: Sequence[str],
) -> dict[str, Any]:
    """`muscles`: the session's injection points' muscles in position order."""
    signer = ref("Practitioner", signed_by_id)
    return drop_empty(
        {
            "resourceType": "Procedure",
            "id": str(pk),
            "meta": meta(signed_at),
            "status": "completed",
            "category": concept("pathway", pathway),
            "code": concept("procedure", "bont-a-injection"),
            "subject": ref("Patient", patient_id),
            "encounter": ref("Encounter", pk),
            "performedDateTime": instant(at),
            "recorder": signer,
            "performer": [{"actor": signer}],
            "bodySite": [{"coding": muscle_codings(m)} for m in dict.fromkeys(muscles)],
        }
    )


# Sessions per muscle query: with 2,000 ids PostgreSQL (100k patients) chose a parallel
# sequential scan of every administration; with 100 it keeps to records_admin_enc_muscle.
MUSCLE_QUERY_SESSIONS = 100


def export(rows: QuerySet[Encounter], size: int) -> Iterator[str]:
    """The bulk export of `rows` (filtered signed encounters): each page of sessions as plain
    values, and in a few more queries each session's distinct muscles with the first position
    each was injected at (index records_admin_enc_muscle), put in that order here."""
    for page in pages(rows, FIELDS, size):
        treated: dict[UUID, list[tuple[int, str]]] = {values[0]: [] for values in page}
        ids = list(treated)
        for start in range(0, len(ids), MUSCLE_QUERY_SESSIONS):
            firsts = (
                Administration.objects.filter(
                    encounter_id__in=ids[start : start + MUSCLE_QUERY_SESSIONS]
                )
                .values_list("encounter_id", "muscle")
                .annotate(first=Min("position"))
                .order_by()
            )
            for encounter_id, muscle, first in firsts:
                treated[encounter_id].append((first, muscle))
        for values in page:
            yield ENCODE(build(*values, muscles=[m for _, m in sorted(treated[values[0]])]))
