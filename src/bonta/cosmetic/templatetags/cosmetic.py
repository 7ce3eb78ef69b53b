"""`{% cosmetic_panel patient %}`: the chart's cosmetic panel, its context built here (not in the
chart view), for staff who read clinical records."""

from __future__ import annotations

from typing import Any

from django import template

from bonta.cosmetic.panel import panel_context
from bonta.records.models import Patient
from bonta.records.services._common import CLINICAL_READ

register = template.Library()


@register.inclusion_tag("cosmetic/_panel.html", takes_context=True)
def cosmetic_panel(context: dict[str, Any], patient: Patient) -> dict[str, Any]:
    user = context["user"]
    if not getattr(user, "is_authenticated", False) or user.role not in CLINICAL_READ:
        return {"hidden": True}
    return panel_context(patient, user, on_chart=True)


@register.filter
def signed_change(value: int | None) -> str:
    """+2 (better), 0, −1 (worse); an em dash without a baseline."""
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else ("0" if value == 0 else f"−{-value}")


@register.filter
def fws(grade: int | None) -> str:
    from bonta.cosmetic.outcomes import FWS_GRADES

    return "—" if grade is None else f"{grade} {FWS_GRADES[grade]}"
