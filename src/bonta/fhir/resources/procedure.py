"""Procedure: the injection session of a signed encounter, with the muscles it treated."""

from __future__ import annotations

from typing import Any

from bonta.fhir.codes import concept, muscle_codings
from bonta.fhir.resources._common import drop_empty, instant, meta, ref, signer
from bonta.records.models import Encounter


def to_fhir(encounter: Encounter) -> dict[str, Any]:
    """`encounter` with `administrations` prefetched (the muscles come from them)."""
    assert encounter.signed_by is not None
    muscles = list(dict.fromkeys(a.muscle for a in encounter.administrations.all()))
    return drop_empty(
        {
            "resourceType": "Procedure",
            "id": str(encounter.pk),
            "meta": meta(encounter.signed_at),
            "status": "completed",
            "category": concept("pathway", encounter.pathway),
            "code": concept("procedure", "bont-a-injection"),
            "subject": ref("Patient", encounter.patient_id),
            "encounter": ref("Encounter", encounter.pk),
            "performedDateTime": instant(encounter.at),
            "recorder": signer(encounter.signed_by),
            "performer": [{"actor": signer(encounter.signed_by)}],
            "bodySite": [{"coding": muscle_codings(m)} for m in muscles],
        }
    )
