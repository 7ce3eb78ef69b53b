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

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.questionnaires import (
    INSTRUMENT_LABELS,
    Instrument,
    ScoreEntry,
    cycle_of,
    scores_by_cycle,
)
from bonta.domain.headache.summary import DiarySummary, summary_as_dict
from bonta.domain.pathways import Pathway
from bonta.migraine.assessment import overuse_history, record_overuse_management
from bonta.migraine.diary_csv import DiaryImportError
from bonta.migraine.diary_plot import RECENT_PERIODS, headache_plot, medication_plot, select_periods
from bonta.migraine.forms import DiaryImportForm, Hit6Form, MidasForm, OveruseManagementForm
from bonta.migraine.models import QuestionnaireResponse
from bonta.migraine.questionnaire_plot import band_range, questionnaire_plot
from bonta.migraine.services import (
    diary_summary_for,
    import_diary_csv,
    local_today,
    record_questionnaire,
)
from bonta.records.models import Patient
from bonta.records.services import get_patient
from bonta.ui.access import CLINICAL_READ, CLINICAL_WRITE, SIGN, forbidden, not_found, staff
from bonta.ui.forms import add_service_error

FORMS: dict[str, type[forms.Form]] = {
    "import": DiaryImportForm,
    "hit6": Hit6Form,
    "midas": MidasForm,
    "overuse": OveruseManagementForm,
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
    if kind == "overuse" and request.user.role not in SIGN:  # type: ignore[union-attr]
        return forbidden(request, "Only a clinician may state whether overuse is managed.")
    form = FORMS[kind](request.POST, request.FILES)
    if form.is_valid():
        try:
            done = _save(patient, kind, form, request)
        except InvalidInput as error:
            _put_back(form, error)
        else:
            messages.success(request, done)
            return redirect("migraine:diary", patient_id=patient.pk)
    return render_page(request, patient, {kind: form}, status=422)


def _save(patient: Patient, kind: str, form: forms.Form, request: HttpRequest) -> str:
    by = request.user
    data = form.cleaned_data
    if isinstance(form, DiaryImportForm):
        result = import_diary_csv(patient, data["file"], by=by, replace=data["replace"])  # type: ignore[arg-type]
        return f"{result.days} diary days imported ({result.replaced} replaced)."
    if isinstance(form, OveruseManagementForm):
        statement = record_overuse_management(
            patient,
            by=by,  # type: ignore[arg-type]
            managed=data["managed"],
            recorded_on=data["recorded_on"],
            note=data["note"],
        )
        said = "managed" if statement.managed else "not managed"
        return f"Medication overuse recorded as {said} on {statement.recorded_on.isoformat()}."
    assert isinstance(form, Hit6Form | MidasForm)
    on = data["completed_on"]
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
    show_all = request.GET.get("periods") == "all"
    selection = select_periods(summary.periods, None if show_all else RECENT_PERIODS)
    role = request.user.role  # type: ignore[union-attr]
    context: dict[str, Any] = {
        "patient": patient,
        "s": data,
        "baseline": next((p for p in data["periods"] if p["label"] == "baseline"), None),
        "periods": [data["periods"][i] for i in selection.shown],
        "hidden_periods": selection.hidden,
        "show_all": show_all,
        "recent": RECENT_PERIODS,
        "cycles": [_with_responders(c, data["responder_thresholds"]) for c in data["cycles"]],
        # Built from domain numbers only, every text escaped in `diary_plot`.
        "headache_svg": mark_safe(  # noqa: S308
            headache_plot(summary, None if show_all else RECENT_PERIODS)
        ),
        "medication_svg": mark_safe(medication_plot(summary.medication_overuse)),  # noqa: S308
        "overuse_statements": overuse_history(patient),
        "writes": role in CLINICAL_WRITE,
        "judges_overuse": role in SIGN,
        **_scores(patient, summary),
        **{kind: bound.get(kind) or form() for kind, form in FORMS.items()},
    }
    if "overuse" not in bound:
        context["overuse"] = OveruseManagementForm(initial={"recorded_on": summary.diary.as_of})
    return render(request, "migraine/page.html", context, status=status)


def _with_responders(cycle: dict[str, Any], thresholds: list[dict[str, Any]]) -> dict[str, Any]:
    """Pair each responder status with its threshold (and the threshold's verification flag)."""
    responder = cycle.get("responder", {})
    rows = [t | {"status": responder.get(str(t["reduction_percent"]))} for t in thresholds]
    return cycle | {"responders": rows}


def _scores(patient: Patient, summary: DiarySummary) -> dict[str, Any]:
    """HIT-6/MIDAS responses with the cycle each speaks for, per-cycle values and the plots."""
    rows = list(
        QuestionnaireResponse.objects.filter(patient=patient)
        .order_by("completed_on", "created_at")
        .only("instrument", "score", "completed_on")
    )
    entries = [ScoreEntry(Instrument(q.instrument), q.completed_on, q.score) for q in rows]
    injections, as_of = summary.diary.injections, summary.diary.as_of
    windows = [w for w in scores_by_cycle(entries, injections, as_of) if w.entries]
    return {
        "responses": [
            {
                "completed_on": e.completed_on,
                "instrument": INSTRUMENT_LABELS[e.instrument],
                "score": e.score,
                "band": e.band.label,
                "range": band_range(e.band),
                "cycle": _cycle_label(cycle_of(e.completed_on, injections)),
            }
            for e in reversed(entries)
        ],
        "score_windows": [
            {
                "label": w.label,
                "first": w.first,
                "last": w.last,
                "values": [w.latest(i) for i in Instrument],
            }
            for w in windows
        ],
        "score_plots": [
            (INSTRUMENT_LABELS[i], mark_safe(questionnaire_plot(i, entries, injections, as_of)))  # noqa: S308
            for i in Instrument
        ],
    }


def _cycle_label(number: int | None) -> str:
    if number is None:
        return "no cycle (after week 12)"
    return "baseline" if number == 0 else f"cycle {number}"
