"""Adverse events (the form, and urgent advice when the type is a distant-spread sign), and
treatments given elsewhere."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bonta.domain.errors import InvalidInput
from bonta.domain.products import get_product
from bonta.domain.units import format_units
from bonta.records import services
from bonta.ui.access import CLINICAL_WRITE, staff
from bonta.ui.forms import add_service_error
from bonta.web.forms import AdverseEventForm, ExternalAdministrationForm

URGENT_ADVICE = (
    "Possible distant spread of toxin effect. Advise the patient to seek medical care now "
    "(emergency services if swallowing, speaking or breathing is difficult)."
)


@staff(CLINICAL_WRITE, "record adverse events")
def adverse_event_new(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = services.get_patient(patient_id, by=request.user)
    encounters = list(patient.encounters.order_by("-at"))
    choices = [(str(e.pk), f"{e.at:%Y-%m-%d} {e.get_pathway_display()}") for e in encounters]
    form = AdverseEventForm(choices, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("encounter")
        encounter = next((e for e in encounters if str(e.pk) == chosen), None)
        try:
            event = services.record_adverse_event(
                patient, by=request.user, encounter=encounter, **data
            )
        except InvalidInput as error:
            add_service_error(form, error, {"encounter_id": "encounter"})
        else:
            if event.urgent:
                messages.error(request, f"URGENT — {event.get_type_display()}: {URGENT_ADVICE}")
            else:
                messages.success(request, f"Adverse event recorded: {event.get_type_display()}.")
            return redirect("web:chart", patient_id=patient.pk)
    context = {"patient": patient, "form": form, "advice": URGENT_ADVICE}
    return render(request, "web/events/new.html", context, status=422 if form.errors else 200)


@staff(CLINICAL_WRITE, "record treatments given elsewhere")
def external_administration_new(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Record BoNT-A given at another clinic; the service validates it and writes it with its
    audit event, or refuses naming the field (nothing written)."""
    patient = services.get_patient(patient_id, by=request.user)
    form = ExternalAdministrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.record_external_administration(
                patient, by=request.user, **form.service_arguments()
            )
        except InvalidInput as error:
            add_service_error(form, error, {"pathway": "given_for"})
        else:
            messages.success(
                request,
                f"Recorded: {format_units(row.units)} U {get_product(row.product).display} "
                f"given {row.on:%Y-%m-%d} at "
                f"{row.source_system}. The safety check now counts it.",
            )
            return redirect("web:chart", patient_id=patient.pk)
    context = {"patient": patient, "form": form}
    return render(
        request, "web/events/external_new.html", context, status=422 if form.errors else 200
    )
