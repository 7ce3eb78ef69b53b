"""The patient portal's pages (phone first). The patient is always `request.patient`, set by
`patient_required` from the signed-in account: never from an id in a URL or a form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bonta.accounts.models import Role
from bonta.accounts.throttle import KIND_ATTRIBUTE
from bonta.domain.errors import InvalidInput
from bonta.domain.headache.days import DiaryDay
from bonta.migraine.services import local_today, record_diary_day, record_questionnaire
from bonta.portal import services
from bonta.portal.access import patient_required
from bonta.portal.forms import (
    FEATURES,
    MIGRAINE_QUESTIONS,
    AcceptInvitationForm,
    DiaryDayForm,
    Hit6Form,
    MidasForm,
    PortalLoginForm,
)
from bonta.portal.licensed import licensed_items
from bonta.portal.panels import home_panels
from bonta.portal.wording import day_name as _day_name
from bonta.portal.wording import describe
from bonta.ui.forms import add_service_error


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalLoginForm
    redirect_authenticated_user = True
    next_page = "/portal/"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        setattr(request, KIND_ATTRIBUTE, "portal")  # failed sign-ins are audited as the portal's
        if request.user.is_authenticated and getattr(request.user, "role", None) != Role.PATIENT:
            return redirect("/")  # staff already signed in: the portal is not theirs
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle"] = self.request.GET.get("idle") == "1"
        return context


class LogoutView(auth_views.LogoutView):
    next_page = "/portal/login/"


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Open an invitation link: choose a username and password; the account is created."""
    try:
        services.open_invitation(token)
    except services.InvitationUnusable as error:
        return render(
            request, "portal/invitation_unusable.html", {"message": error.message}, status=410
        )
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(token, **form.cleaned_data)
        except services.InvitationUnusable as error:
            return render(
                request, "portal/invitation_unusable.html", {"message": error.message}, status=410
            )
        except InvalidInput as error:
            add_service_error(form, error, {})
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Your account is ready. Welcome to the patient portal.")
            return redirect("portal:home")
    status = 422 if request.method == "POST" else 200
    response = render(request, "portal/accept.html", {"form": form}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@patient_required
def home(request: HttpRequest) -> HttpResponse:
    patient, today = request.patient, local_today()  # type: ignore[attr-defined]
    diary = None
    if services.keeps_headache_diary(patient):
        diary = services.diary_overview(request.user, today, kind="home")  # type: ignore[arg-type]
    else:
        services.audit_home(request.user)  # type: ignore[arg-type]
    context = {
        "diary": diary,
        "questionnaires": services.latest_questionnaires(patient) if diary else {},
        "panels": home_panels(patient, today),
    }
    return render(request, "portal/home.html", context)


def _day_from(request: HttpRequest, today: date) -> date | None:
    raw = request.GET.get("on")
    if not raw:
        return today
    try:
        on = date.fromisoformat(raw)
    except ValueError:
        return None
    return on if on <= today else None


@patient_required
def diary(request: HttpRequest) -> HttpResponse:
    """One screen: record (or correct) a day; missing days, recent days and 28-day totals."""
    today = local_today()
    on = _day_from(request, today)
    if on is None:
        messages.error(request, "Choose a date up to today: a diary records what happened.")
        return redirect("portal:diary")
    form: DiaryDayForm | None = None
    if request.method == "POST":
        saved, form = _save_day(request, on, today)
        if saved is not None:
            messages.success(request, f"Saved {_day_name(on, today)}: {describe(saved)}.")
            return redirect("portal:diary")
    overview = services.diary_overview(request.user, today, on=on)  # type: ignore[arg-type]
    entry = overview.selected
    if form is None:
        form = DiaryDayForm(initial=DiaryDayForm.initial_for(entry))
    context = {
        "on": on,
        "today": today,
        "day_name": _day_name(on, today),
        "entry": entry,
        "form": form,
        "features": [form[name] for name, _ in FEATURES],
        "migraine_questions": [form[name] for name, _ in MIGRAINE_QUESTIONS],
        "overview": overview,
    }
    return render(request, "portal/diary.html", context, status=422 if form.is_bound else 200)


def _save_day(request: HttpRequest, on: date, today: date) -> tuple[DiaryDay | None, DiaryDayForm]:
    form = DiaryDayForm(request.POST)
    if request.POST.get("headache") == "no":
        day = DiaryDay(on, headache=False)
    elif not form.is_valid():
        return None, form
    else:
        try:
            day = form.day(on)
        except InvalidInput as error:
            add_service_error(form, error, {"hours": "hours_other"})
            return None, form
    try:
        record_diary_day(request.patient, day, by=request.user, today=today)  # type: ignore[attr-defined, arg-type]
    except InvalidInput as error:
        form = DiaryDayForm(request.POST)
        form.is_valid()
        add_service_error(form, error, {})
        return None, form
    return day, form


QUESTIONNAIRES: dict[str, tuple[str, type[forms.Form]]] = {
    "hit6": ("HIT-6", Hit6Form),
    "midas": ("MIDAS", MidasForm),
}


@patient_required
def questionnaire(request: HttpRequest, instrument: str) -> HttpResponse:
    if instrument not in QUESTIONNAIRES:
        return render(request, "portal/404.html", {"message": "No such questionnaire."}, 404)
    title, form_class = QUESTIONNAIRES[instrument]
    texts = licensed_items(instrument)
    form = form_class(request.POST or None, texts=texts)  # type: ignore[call-arg]
    if request.method == "POST" and form.is_valid():
        try:
            response = record_questionnaire(
                request.patient,  # type: ignore[attr-defined]
                instrument,
                form.answers(),  # type: ignore[attr-defined]
                by=request.user,  # type: ignore[arg-type]
                completed_on=local_today(),
            )
        except InvalidInput as error:
            add_service_error(form, error, {})
        else:
            messages.success(request, f"{title} saved: score {response.score}. Thank you.")
            return redirect("portal:home")
    status = 422 if request.method == "POST" else 200
    context = {"title": title, "instrument": instrument, "form": form, "licensed": bool(texts)}
    return render(request, "portal/questionnaire.html", context, status=status)
