"""Encounter: one signed visit on one pathway. Drafts are work in progress and are not sent."""

from __future__ import annotations

from typing import Any

from bonta.fhir.codes import coding, concept
from bonta.fhir.resources._common import drop_empty, instant, meta, ref, signer
from bonta.records.models import Encounter


def to_fhir(encounter: Encounter) -> dict[str, Any]:
    assert encounter.signed_by is not None  # signed encounters only (the registry)
    return drop_empty(
        {
            "resourceType": "Encounter",
            "id": str(encounter.pk),
            # A signed encounter is immutable; addenda (not sent in this slice) do not move it.
            "meta": meta(encounter.signed_at),
            "status": "finished",
            "class": coding("encounter-class", "clinic-visit"),
            "type": [concept("pathway", encounter.pathway)],
            "serviceType": concept("pathway", encounter.pathway),
            "subject": ref("Patient", encounter.patient_id),
            "participant": [{"individual": signer(encounter.signed_by)}],
            "period": {"start": instant(encounter.at)},
        }
    )
