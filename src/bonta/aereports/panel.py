"""The chart panel: the patient's adverse events, each with its report links (clinical staff)."""

from __future__ import annotations

from typing import Any

from django.template import Context

from bonta.records.models import AdverseEvent
from bonta.records.services._common import CLINICAL_READ


def chart_panel(context: Context, patient: Any) -> dict[str, Any]:
    """Listed on the chart, whose own read event covers it; each report download is audited."""
    user = context["request"].user
    if user.role not in CLINICAL_READ:
        return {"patient": patient, "events": None}
    events = list(AdverseEvent.objects.filter(patient=patient).order_by("-onset"))
    return {"patient": patient, "events": events}
