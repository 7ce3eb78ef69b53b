"""Adverse-event reports: load one event for a report and audit the download."""

from __future__ import annotations

from django.db import transaction

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.records.models import AdverseEvent
from bonta.records.services._common import CLINICAL_READ, load, require_role

REPORT_KINDS = ("medwatch", "yellow_card", "fhir", "page")


def report_event(event_id: object, *, kind: str, by: User) -> AdverseEvent:
    """The event (patient, encounter, recorder selected), its read audited with the report kind."""
    require_role(by, CLINICAL_READ, "report adverse events")
    assert kind in REPORT_KINDS
    event = load(AdverseEvent, event_id, "adverse event")
    event = AdverseEvent.objects.select_related("patient", "encounter", "recorded_by").get(
        pk=event.pk
    )
    with transaction.atomic():
        record(
            "adverse_event.report",
            actor=by,
            object_type="adverse_event",
            object_id=event.pk,
            patient_id=event.patient_id,
            detail={"kind": kind},
        )
    return event
