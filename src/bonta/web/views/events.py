"""Adverse events: the form, and urgent advice when the type is a distant-spread sign."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bonta.domain.errors import InvalidInput
from bonta.records import services
from bonta.ui.access import CLINICAL_WRITE, staff
from bonta.ui.forms import add_service_error
from bonta.web.forms import AdverseEventForm

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
