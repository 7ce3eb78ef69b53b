"""Staff pages of the portal: invite a patient from the chart, or withdraw the invitation."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from bonta.portal.services import INVITATION_DAYS, INVITE, AlreadyHasAccount, invite_patient
from bonta.portal.services import revoke_invitation as revoke_open
from bonta.records.services import get_patient
from bonta.ui.access import staff


@staff(INVITE, action="invite patients to the portal")
def invite(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Make a new one-time link and show it once, to hand over or print."""
    if request.method != "POST":
        return redirect("web:chart", patient_id=patient_id)
    patient = get_patient(patient_id, by=request.user)  # type: ignore[arg-type]
    try:
        invitation, token = invite_patient(patient, by=request.user)  # type: ignore[arg-type]
    except AlreadyHasAccount as error:
        messages.error(request, error.message)
        return redirect("web:chart", patient_id=patient.pk)
    link = request.build_absolute_uri(reverse("portal:accept", args=[token]))
    context = {
        "patient": patient,
        "invitation": invitation,
        "link": link,
        "days": INVITATION_DAYS,
        "login": request.build_absolute_uri(reverse("portal:login")),
    }
    response = render(request, "portal/staff/invitation.html", context)
    response["Cache-Control"] = "no-store"  # the link is shown once and must not be cached
    return response


@staff(INVITE, action="withdraw portal invitations")
def revoke(request: HttpRequest, patient_id: str) -> HttpResponse:
    if request.method == "POST":
        patient = get_patient(patient_id, by=request.user)  # type: ignore[arg-type]
        if revoke_open(patient, by=request.user):  # type: ignore[arg-type]
            messages.success(request, "The portal invitation was withdrawn.")
    return redirect("web:chart", patient_id=patient_id)
