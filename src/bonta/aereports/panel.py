"""The chart panel: the patient's adverse events, each with its report links (clinical staff)."""

from __future__ import annotations

from typing import Any

from django.template import Context

from bonta.db.prepared import Statement, field_of
from bonta.records.models import AdverseEvent
from bonta.records.services._common import CLINICAL_READ

# On every chart view (compiled once: bonta.db.prepared).
_EVENTS: Statement[AdverseEvent] = Statement(
    lambda patient_id: AdverseEvent.objects.filter(patient_id=patient_id).order_by("-onset"),
    patient_id=field_of(AdverseEvent, "patient"),
)


def chart_panel(context: Context, patient: Any) -> dict[str, Any]:
    """Listed on the chart, whose own read event covers it; each report download is audited."""
    user = context["request"].user
    if user.role not in CLINICAL_READ:
        return {"patient": patient, "events": None}
    events = _EVENTS.run(patient_id=patient.pk)
    return {"patient": patient, "events": events}
