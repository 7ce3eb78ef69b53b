"""The outbox page (manager), settling a reminder, the chart toggle, and the patient's opt-out
page (no sign-in: the signed token in the link is the credential)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from bonta.records.errors import Conflict, NotFound
from bonta.records.models import Patient
from bonta.records.services._common import load
from bonta.reminders import config, outbox, preferences, queries
from bonta.reminders.message import message_id
from bonta.reminders.models import Reminder, ReminderStatus
from bonta.ui.access import staff


@staff(outbox.RESOLVE_ROLES, "see the reminder outbox")
def outbox_page(request: HttpRequest) -> HttpResponse:
    page = queries.outbox_page(by=request.user, now=timezone.now())  # type: ignore[arg-type]
    clinic = config.clinic()
    rows = [(r, message_id(r.pk, clinic)) for r in page.problems]
    counts = [(ReminderStatus(status).label, n) for status, n in page.counts.items()]
    context = {"page": page, "rows": rows, "counts": counts}
    return render(request, "reminders/outbox.html", context)


@require_POST
@staff(outbox.RESOLVE_ROLES, "settle reminders")
def resolve(request: HttpRequest, reminder_id: str) -> HttpResponse:
    reminder = load(Reminder, reminder_id, "reminder")
    delivered = request.POST.get("outcome") == "delivered"
    try:
        outbox.resolve(reminder, by=request.user, delivered=delivered)  # type: ignore[arg-type]
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Recorded as delivered." if delivered else "Queued to be sent again."
        )
    return redirect("reminders:outbox")


@require_POST
@staff(action="change reminder preferences")
def preference(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = load(Patient, patient_id, "patient")
    opted_out = request.POST.get("email_opt_out") == "1"
    preferences.set_email_opt_out(patient, opted_out=opted_out, by=request.user)  # type: ignore[arg-type]
    messages.success(
        request,
        "Reminder e-mails stopped for this patient."
        if opted_out
        else "Reminder e-mails will be sent to this patient.",
    )
    return redirect("web:chart", patient_id=patient.pk)


@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058)
@require_http_methods(["GET", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners follow GETs: they must not opt anyone out); POST records."""
    clinic = config.clinic()
    try:
        preferences.reminder_for_token(token)
    except NotFound as error:
        context = {"clinic": clinic, "message": error.message}
        return render(request, "reminders/opt_out_invalid.html", context, status=404)
    if request.method == "POST":
        preferences.opt_out_by_link(token)
        return render(request, "reminders/opt_out_done.html", {"clinic": clinic})
    return render(request, "reminders/opt_out.html", {"clinic": clinic, "token": token})
