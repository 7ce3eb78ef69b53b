"""Patient list and search, new patient, and the chart (demographics only for reception)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from bonta.audit.log import audited_read, one_read_event
from bonta.domain.anatomy import muscles
from bonta.domain.errors import InvalidInput
from bonta.domain.reference import load as load_reference
from bonta.records import services
from bonta.records.models import Patient
from bonta.records.snapshots import reading_once, remember_history, remember_sessions
from bonta.ui.access import CLINICAL_READ, CLINICAL_WRITE, staff
from bonta.ui.forms import add_service_error
from bonta.web import queries
from bonta.web.forms import FlagsForm, PatientForm, SafetyFlagsForm
from bonta.web.ledger import dose_ledger

FLAG_ALIASES = {
    "flags.allergies": "allergies",
    "flags.medications": "medications",
    "flags.conditions": "conditions",
    "flags.infection_sites": "infection_sites",
}


@staff()
def patient_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = queries.search_patients(query, by=request.user, page=request.GET.get("page", 1))
    return render(request, "web/patients/list.html", {"page": page, "q": query})


@staff(action="register patients")
def patient_new(request: HttpRequest) -> HttpResponse:
    clinical = request.user.role in CLINICAL_WRITE
    form_class = SafetyFlagsForm if clinical else PatientForm
    form = form_class(request.POST or None, initial={"record_number": queries.next_record_number()})
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in PatientForm.base_fields}
        flags = form.flags() if isinstance(form, SafetyFlagsForm) else None
        try:
            patient = services.create_patient(by=request.user, flags=flags, **data)
        except InvalidInput as error:
            add_service_error(form, error, FLAG_ALIASES)
        else:
            messages.success(request, f"Patient {patient.record_number} registered.")
            return redirect("web:chart", patient_id=patient.pk)
    status = 422 if form.is_bound else 200
    return render(request, "web/patients/new.html", {"form": form}, status=status)


@staff(CLINICAL_WRITE, action="record safety flags")
def patient_flags(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Change a patient's standing safety flags: the whole set as ticked, audited before → after."""
    patient = services.get_patient(patient_id, by=request.user)
    form = FlagsForm(request.POST or None, initial=FlagsForm.initial_for(patient))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_patient_flags(patient, by=request.user, flags=form.flags())
        except InvalidInput as error:
            add_service_error(form, error, FLAG_ALIASES)
        else:
            messages.success(request, "Safety flags updated.")
            return redirect("web:chart", patient_id=patient.pk)
    status = 422 if form.is_bound else 200
    context = {"form": form, "patient": patient, "flags": standing_flags(patient)}
    return render(request, "web/patients/flags.html", context, status=status)


@staff()
def patient_chart(request: HttpRequest, patient_id: str) -> HttpResponse:
    if request.user.role not in CLINICAL_READ:
        patient = services.get_patient(patient_id, by=request.user)
        return render(request, "web/patients/demographics.html", {"patient": patient})
    # One transaction for the page (`audited_read`: on SQLite a read-only snapshot that holds
    # no write lock, its audit event written just after): the chart's read and the panels'
    # audited reads (each a savepoint inside it) read one state, and the page costs one
    # durable commit. The panels reuse the history the chart has read (`reading_once`, this
    # request only: nothing is kept between requests), and the signed encounters with their
    # muscles (the cosmetic panel's sessions). The audit log gets one event for the page,
    # `patient.chart`, listing what the panels showed (`one_read_event`): one append per
    # chart view, not one per panel.
    with (
        audited_read(),
        reading_once(),
        one_read_event(actor=request.user, patient_id=patient_id),
    ):
        chart = queries.patient_chart(patient_id, by=request.user)
        remember_history(chart.patient.pk, chart.history)
        remember_sessions(chart.patient.pk, chart.sessions)
        today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
        context = {
            "chart": chart,
            "patient": chart.patient,
            "flags": standing_flags(chart.patient),
            "ledger": dose_ledger(chart.history, today),
            "today": today,
            "migraine_course": chart.migraine_course,
        }
        return render(request, "web/patients/chart.html", context)


def standing_flags(patient: Patient) -> list[str]:
    """The patient's recorded safety flags, named from the domain vocabularies."""
    factors = load_reference("patient_factors")
    labels = {"allergies": "Allergy: ", "conditions": "", "medications": "Medication: "}
    names = [
        labels[kind] + factors[kind][code]["name"]
        for kind in labels
        for code in getattr(patient, kind)
        if code in factors[kind]
    ]
    names += [
        n
        for n, on in (("Pregnant", patient.pregnant), ("Breastfeeding", patient.breastfeeding))
        if on
    ]
    names += [
        f"Infection at {muscles()[m].name}" for m in patient.infection_sites if m in muscles()
    ]
    return names
