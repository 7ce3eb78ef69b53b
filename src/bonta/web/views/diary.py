"""The headache-diary page of a chronic-migraine patient: analytics, plots, import, scores.

Every number and verdict is `diary_summary_for`'s (via `summary_as_dict`, the same plain data
the CLI prints); this module only arranges it for the template. Writes go through the diary
services, which check the role again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe

from bonta.diary.models import QuestionnaireResponse
from bonta.diary.services import (
    diary_summary_for,
    import_diary_csv,
    local_today,
    record_questionnaire,
)
from bonta.diary_csv import DiaryImportError
from bonta.domain.diary_summary import summary_as_dict
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.records.models import Patient
from bonta.records.services import get_patient
from bonta.web.access import CLINICAL_READ, CLINICAL_WRITE, not_found, staff
from bonta.web.diary_forms import DiaryImportForm, Hit6Form, MidasForm
from bonta.web.diary_plot import headache_plot, medication_plot
from bonta.web.forms import add_service_error

FORMS: dict[str, type[forms.Form]] = {
    "import": DiaryImportForm,
    "hit6": Hit6Form,
    "midas": MidasForm,
}


def has_migraine_course(patient: Patient) -> bool:
    return patient.courses.filter(pathway=Pathway.CHRONIC_MIGRAINE.value).exists()


@staff(CLINICAL_READ, action="view headache diaries")
def diary_page(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(patient_id, by=request.user)  # type: ignore[arg-type]
    if not has_migraine_course(patient):
        return not_found(request, "This patient has no chronic-migraine course.")
    return render_page(request, patient, {})


@staff(CLINICAL_WRITE, action="change headache diaries")
def diary_form(request: HttpRequest, patient_id: str, kind: str) -> HttpResponse:
    patient = get_patient(patient_id, by=request.user)  # type: ignore[arg-type]
    if kind not in FORMS or request.method != "POST" or not has_migraine_course(patient):
        return not_found(request, "No such diary form.")
    form = FORMS[kind](request.POST, request.FILES)
    if form.is_valid():
        try:
            done = _save(patient, kind, form, request)
        except InvalidInput as error:
            _put_back(form, error)
        else:
            messages.success(request, done)
            return redirect("web:diary", patient_id=patient.pk)
    return render_page(request, patient, {kind: form}, status=422)


def _save(patient: Patient, kind: str, form: forms.Form, request: HttpRequest) -> str:
    by = request.user
    if isinstance(form, DiaryImportForm):
        text, replace = form.cleaned_data["file"], form.cleaned_data["replace"]
        result = import_diary_csv(patient, text, by=by, replace=replace)  # type: ignore[arg-type]
        return f"{result.days} diary days imported ({result.replaced} replaced)."
    assert isinstance(form, Hit6Form | MidasForm)
    on = form.cleaned_data["completed_on"]
    response = record_questionnaire(patient, kind, form.answers(), by=by, completed_on=on)  # type: ignore[arg-type]
    return (
        f"{response.get_instrument_display()} recorded: score {response.score} ({response.band})."
    )


def _put_back(form: forms.Form, error: InvalidInput) -> None:
    """A line-numbered CSV error goes on the file field whole; others on the field they name."""
    if isinstance(error, DiaryImportError):
        form.add_error("file", error.message)
    else:
        add_service_error(form, error, {})


def render_page(
    request: HttpRequest, patient: Patient, bound: dict[str, forms.Form], status: int = 200
) -> HttpResponse:
    summary = diary_summary_for(patient, local_today(), by=request.user)  # type: ignore[arg-type]
    data = summary_as_dict(summary)
    context: dict[str, Any] = {
        "patient": patient,
        "s": data,
        "baseline": next((p for p in data["periods"] if p["label"] == "baseline"), None),
        "cycles": [_with_responders(c, data["responder_thresholds"]) for c in data["cycles"]],
        # Built from domain numbers only, every text escaped in `diary_plot`.
        "headache_svg": mark_safe(headache_plot(summary)),  # noqa: S308
        "medication_svg": mark_safe(medication_plot(summary.medication_overuse)),  # noqa: S308
        "questionnaires": _questionnaires(patient),
        "writes": request.user.role in CLINICAL_WRITE,  # type: ignore[union-attr]
        **{kind: bound.get(kind) or form() for kind, form in FORMS.items()},
    }
    return render(request, "web/diary/page.html", context, status=status)


def _with_responders(cycle: dict[str, Any], thresholds: list[dict[str, Any]]) -> dict[str, Any]:
    """Pair each responder status with its threshold (and the threshold's verification flag)."""
    responder = cycle.get("responder", {})
    rows = [t | {"status": responder.get(str(t["reduction_percent"]))} for t in thresholds]
    return cycle | {"responders": rows}


def _questionnaires(patient: Patient) -> list[QuestionnaireResponse]:
    return list(
        QuestionnaireResponse.objects.filter(patient=patient)
        .order_by("-completed_on", "-created_at")
        .only("instrument", "score", "band", "completed_on")
    )
