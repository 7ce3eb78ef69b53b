"""AdverseEvent: an adverse event recorded after BoNT-A. Free-text notes are not sent."""

from __future__ import annotations

from typing import Any

from bonta.fhir.codes import concept
from bonta.fhir.resources._common import day, drop_empty, instant, meta, practitioner, ref
from bonta.records.models import AdverseEvent, AdverseEventOutcome

# AdverseEvent.outcome has a required value set in FHIR R4 (adverse-event-outcome).
OUTCOME_SYSTEM = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
OUTCOME = {
    AdverseEventOutcome.ONGOING: ("ongoing", "Ongoing"),
    AdverseEventOutcome.RESOLVING: ("recovering", "Recovering"),
    AdverseEventOutcome.RESOLVED: ("resolved", "Resolved"),
    AdverseEventOutcome.RESOLVED_WITH_SEQUELAE: ("resolvedWithSequelae", "Resolved with Sequelae"),
    AdverseEventOutcome.UNKNOWN: ("unknown", "Unknown"),
}


def to_fhir(event: AdverseEvent) -> dict[str, Any]:
    """`event` with `recorded_by` and `encounter` selected."""
    code, display = OUTCOME[AdverseEventOutcome(event.outcome)]
    suspect = []
    if event.encounter is not None and event.encounter.is_signed:
        suspect = [{"instance": ref("Procedure", event.encounter_id)}]
    return drop_empty(
        {
            "resourceType": "AdverseEvent",
            "id": str(event.pk),
            # The outcome may be updated later and no update time is stored: recorded time.
            "meta": meta(event.recorded_at),
            "actuality": "actual",
            "event": concept("adverse-event-type", event.type),
            "subject": ref("Patient", event.patient_id),
            "encounter": ref("Encounter", event.encounter_id) if suspect else None,
            "date": day(event.onset),
            "recordedDate": instant(event.recorded_at),
            "recorder": practitioner(event.recorded_by),
            "seriousness": concept(
                "adverse-event-seriousness", "serious" if event.serious else "non-serious"
            ),
            "severity": concept("adverse-event-severity", event.severity),
            "outcome": {"coding": [{"system": OUTCOME_SYSTEM, "code": code, "display": display}]},
            "suspectEntity": suspect,
        }
    )
