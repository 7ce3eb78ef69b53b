"""`{% photos_panel patient %}` for the chart, and how a photo names its session."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from bonta.photos import services
from bonta.photos.forms import session_label
from bonta.photos.models import Photo
from bonta.ui.access import CLINICAL_READ, CLINICAL_WRITE

register = template.Library()


@register.inclusion_tag("photos/_panel.html", takes_context=True)
def photos_panel(context: template.Context, patient: Any) -> dict[str, Any]:
    """Counts per area and view with compare links (clinical roles only; two queries)."""
    user = context["request"].user
    if user.role not in CLINICAL_READ:
        return {"show": False}
    return {
        "show": True,
        "patient": patient,
        "panel": services.chart_panel(patient, by=user),
        "may_add": user.role in CLINICAL_WRITE,
    }


@register.filter
def session_of(photo: Photo) -> str:
    """'Session 2025-03-03 · Glabellar lines (signed)', or that none is recorded."""
    return f"Session {session_label(photo.encounter)}" if photo.encounter else "No session recorded"


@register.filter
def days_after_session(photo: Photo) -> str:
    """'14 days after the session', from the session's local date to the photo's date."""
    if photo.encounter is None:
        return ""
    session_day = timezone.localdate(photo.encounter.at, timezone.get_default_timezone())
    days = (photo.taken_on - session_day).days
    if days == 0:
        return "on the day of the session"
    unit = "day" if abs(days) == 1 else "days"
    return f"{abs(days)} {unit} {'after' if days > 0 else 'before'} the session"


@register.filter
def pair(comparison: services.Comparison) -> list[tuple[str, Photo | None]]:
    """The two sides of a comparison, labelled, in reading order."""
    return [("Before", comparison.before), ("After", comparison.after)]


@register.simple_tag
def days_between(before: Photo, after: Photo) -> int:
    return (after.taken_on - before.taken_on).days
