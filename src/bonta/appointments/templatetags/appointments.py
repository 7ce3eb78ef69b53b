"""The appointments panels other pages include, each building its own context.

`{% appointments_panel patient %}` on the chart: upcoming and past appointments with actions.
`{% proposed_visits encounter %}` on a signed encounter: Bonta's next visits, one click to book.
Both read through audited services; neither writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from bonta.appointments.models import UPCOMING, AppointmentKind
from bonta.appointments.services import propose_next_visits
from bonta.appointments.services.agenda import patient_appointments
from bonta.appointments.services.recall import RecallEntry
from bonta.appointments.views import book_url, today
from bonta.domain.anatomy import areas
from bonta.domain.pathways import Pathway
from bonta.domain.scheduling import Basis
from bonta.records.models import Encounter, Patient
from bonta.records.services._common import CLINICAL_WRITE

register = template.Library()

BASIS = {
    Basis.LABEL_MINIMUM: "Label minimum",
    Basis.POPULATION: "Population figure",
    Basis.PERSONAL: "This patient's own durations",
}


def _base(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
        "here": request.get_full_path(),
        "today": today(),
    }


@register.inclusion_tag("appointments/_patient_panel.html", takes_context=True)
def appointments_panel(context: template.Context, patient: Patient) -> dict[str, Any]:
    base = _base(context)
    found = patient_appointments(patient, by=base["user"])
    return base | {
        "patient": patient,
        "upcoming": found.upcoming,
        "past": found.past,
        "upcoming_statuses": UPCOMING,
        "book": book_url(patient=patient.pk, next=base["here"]),
    }


@register.inclusion_tag("appointments/_proposals.html", takes_context=True)
def proposed_visits(context: template.Context, encounter: Encounter) -> dict[str, Any]:
    base = _base(context)
    user = base["user"]
    proposals = propose_next_visits(encounter, by=user)
    booked = [
        a
        for a in patient_appointments(encounter.patient, by=user).upcoming
        if a.pathway == encounter.pathway
    ]
    clinician = encounter.clinician_id if encounter.clinician.role in CLINICAL_WRITE else ""
    follow_up = (
        AppointmentKind.CYCLE
        if encounter.pathway == Pathway.CHRONIC_MIGRAINE
        else AppointmentKind.TOUCH_UP
    )

    def link(kind: str, on: date, earliest: date, latest: date, basis: str = "") -> str:
        if latest < base["today"]:
            return ""  # the whole window has passed
        on = max(on, base["today"])
        return book_url(
            patient=encounter.patient_id,
            pathway=encounter.pathway,
            kind=kind,
            date=on,
            clinician=clinician,
            earliest=earliest,
            latest=latest,
            basis=basis,
            next=base["here"],
        )

    rows = []
    for p in proposals:
        row: dict[str, Any] = {"area": areas()[p.area].name, "refused": p.refused}
        if p.visits is not None:
            review, window = p.visits.review, p.visits.treatment
            row["review"] = review
            row["window"] = window
            row["basis"] = BASIS[window.basis]
            if review is not None:
                row["review_url"] = link(AppointmentKind.REVIEW, review.on, review.on, review.on)
            row["kind"] = follow_up.label
            row["window_url"] = link(
                follow_up, window.recommended, window.earliest, window.latest, BASIS[window.basis]
            )
        rows.append(row)
    return base | {"encounter": encounter, "rows": rows, "booked": booked}


@register.simple_tag
def recall_book_url(entry: RecallEntry, here: str) -> str:
    return book_url(
        patient=entry.patient_id,
        pathway=entry.pathway,
        kind=entry.kind,
        date=max(entry.due_on, today()),
        next=here,
    )


@register.simple_tag
def detail_url(appointment: Any, here: str) -> str:
    """One appointment's page, coming back to `here` after an action."""
    url = reverse("appointments:detail", args=[appointment.pk])
    return f"{url}?{urlencode({'next': here})}"


@register.filter
def area_names(codes: tuple[str, ...]) -> str:
    return ", ".join(areas()[c].name if c in areas() else c for c in codes)


@register.filter
def kind_label(code: str) -> str:
    return AppointmentKind(code).label if code in AppointmentKind.values else code
