"""Cosmetic pages (staff): the patient's assessments, and forms for a baseline, the 2-week
review, a follow-up and a wear-off report. Writes go through `bonta.cosmetic.services`, which
check the role again; a refusal is put back on the field it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bonta.cosmetic.forms import (
    BaselineForm,
    PriorTreatmentFormSet,
    SessionGradesForm,
    WearOffForm,
    session_area_label,
)
from bonta.cosmetic.models import AssessmentKind, WearOffSource
from bonta.cosmetic.panel import panel_context
from bonta.cosmetic.services import (
    record_assessment,
    record_wear_off,
    treated_session_areas,
)
from bonta.domain.anatomy import areas
from bonta.domain.errors import InvalidInput
from bonta.domain.products import all_products
from bonta.records.models import Patient
from bonta.records.services import get_patient
from bonta.ui.access import CLINICAL_READ, CLINICAL_WRITE, staff
from bonta.ui.forms import add_service_error

SESSION_ALIASES = {"encounter": "session_area", "area": "session_area"}
TITLES = {"review_2w": "2-week review", "follow_up": "Follow-up"}


def brand(code: str) -> str:
    """A product's brand name (its code when unknown), as the shell's `brand` filter shows it."""
    product = all_products().get(code)
    return product.brand if product else code


@staff(CLINICAL_READ, "view cosmetic assessments")
def patient_page(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(patient_id, by=request.user)  # type: ignore[arg-type]
    context = panel_context(patient, request.user)  # type: ignore[arg-type]
    return render(request, "cosmetic/page.html", context)


@staff(CLINICAL_WRITE, "record cosmetic assessments")
def baseline(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(patient_id, by=request.user)  # type: ignore[arg-type]
    data = request.POST or None
    form = BaselineForm(data, initial={"area": request.GET.get("area", "")})
    priors = PriorTreatmentFormSet(data, prefix="prior")
    if request.method == "POST" and form.is_valid() and priors.is_valid():
        entries = [e for f in priors.forms if (e := f.entry()) is not None]  # type: ignore[attr-defined]
        try:
            done = record_assessment(
                patient,
                kind=AssessmentKind.BASELINE,
                by=request.user,  # type: ignore[arg-type]
                prior_treatments=entries,
                **form.cleaned_data,
            )
        except InvalidInput as error:
            _put_back(form, priors, error)
        else:
            messages.success(request, f"Baseline recorded for {areas()[done.area].name.lower()}.")
            return redirect("web:chart", patient_id=patient.pk)
    context = {"patient": patient, "form": form, "priors": priors, "title": "Baseline"}
    return render(request, "cosmetic/baseline.html", context, status=_status(form, priors))


@staff(CLINICAL_WRITE, "record cosmetic assessments")
def session_assessment(request: HttpRequest, patient_id: str, kind: str) -> HttpResponse:
    patient = get_patient(patient_id, by=request.user)  # type: ignore[arg-type]
    form = SessionGradesForm(
        _session_choices(patient), request.POST or None, initial=_chosen(request)
    )
    if request.method == "POST" and form.is_valid():
        encounter_id, area = form.session_and_area()
        grades = {k: v for k, v in form.cleaned_data.items() if k != "session_area"}
        try:
            record_assessment(
                patient,
                kind=kind,
                area=area,
                encounter=encounter_id,
                by=request.user,  # type: ignore[arg-type]
                **grades,
            )
        except InvalidInput as error:
            add_service_error(form, error, SESSION_ALIASES)
        else:
            messages.success(request, f"{TITLES[kind]} recorded for {areas()[area].name.lower()}.")
            return redirect("web:chart", patient_id=patient.pk)
    context = {"patient": patient, "form": form, "title": TITLES[kind], "kind": kind}
    return render(request, "cosmetic/session_form.html", context, status=_status(form))


@staff(CLINICAL_WRITE, "record wear-off reports")
def wear_off(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(patient_id, by=request.user)  # type: ignore[arg-type]
    form = WearOffForm(_session_choices(patient), request.POST or None, initial=_chosen(request))
    if request.method == "POST" and form.is_valid():
        encounter_id, area = form.session_and_area()
        try:
            record_wear_off(
                patient,
                encounter=encounter_id,
                area=area,
                returned=form.cleaned_data["returned"],
                on=form.cleaned_data["on"],
                by=request.user,  # type: ignore[arg-type]
                source=WearOffSource.STAFF,
            )
        except InvalidInput as error:
            add_service_error(form, error, SESSION_ALIASES)
        else:
            messages.success(request, f"Wear-off report recorded for {areas()[area].name.lower()}.")
            return redirect("web:chart", patient_id=patient.pk)
    context = {"patient": patient, "form": form, "title": "Wear-off report", "kind": "wear_off"}
    return render(request, "cosmetic/session_form.html", context, status=_status(form))


def _session_choices(patient: Patient) -> list[tuple[str, str]]:
    found = treated_session_areas(patient)
    choices = [
        (f"{s.encounter_id}:{s.area}", session_area_label(s.session_on, brand(s.product), s.area))
        for s in found
    ]
    return [("", "— choose a signed cosmetic session —"), *choices]


def _chosen(request: HttpRequest) -> dict[str, Any]:
    session, area = request.GET.get("session", ""), request.GET.get("area", "")
    return {"session_area": f"{session}:{area}"} if session and area else {}


def _put_back(form: forms.Form, priors: Any, error: InvalidInput) -> None:
    """A prior-treatment refusal ("prior_treatments[1].area") goes on that row's field."""
    if error.field.startswith("prior_treatments["):
        index, _, name = error.field.removeprefix("prior_treatments[").partition("].")
        row = int(index) if index.isdigit() else -1
        filled = [f for f in priors.forms if f.entry() is not None]
        if 0 <= row < len(filled) and name in filled[row].fields:
            filled[row].add_error(name, error.reason)
            return
    add_service_error(form, error, {})


def _status(*forms_: Any) -> int:
    bound = any(f.is_bound for f in forms_)
    return 422 if bound and any(not f.is_valid() for f in forms_) else 200
