"""`{% reminder_panel patient %}`: the chart's reminder panel, its context built here."""

from __future__ import annotations

from typing import Any

from django import template

from bonta.records.models import Patient
from bonta.reminders.queries import patient_panel

register = template.Library()


@register.inclusion_tag("reminders/_chart_panel.html", takes_context=True)
def reminder_panel(context: template.Context, patient: Patient) -> dict[str, Any]:
    return {
        "patient": patient,
        "panel": patient_panel(patient.pk, has_email=bool(patient.email)),
        "user": context.get("user"),
    }
