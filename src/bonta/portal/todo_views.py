"""Portal pages for what other apps own: signing a consent (`bonta.consent`) and the wear-off
check-ins (`bonta.cosmetic`). The patient is `request.patient`; the services check again that
the portal account is this patient's."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bonta.consent import services as consent
from bonta.consent.forms import ConsentSignForm
from bonta.consent.models import Channel, ConsentKind
from bonta.cosmetic.models import WearOffSource
from bonta.cosmetic.services import record_wear_off
from bonta.domain.errors import InvalidInput
from bonta.migraine.services import local_today
from bonta.portal.access import patient_required
from bonta.portal.panels import checkins_due
from bonta.records.errors import Conflict


@patient_required
def sign_consent(request: HttpRequest, kind: str) -> HttpResponse:
    """The exact text of the current version, a typed name and a drawn signature."""
    if kind not in ConsentKind.values:
        return render(request, "portal/404.html", {"message": "No such consent."}, status=404)
    patient = request.patient  # type: ignore[attr-defined]
    try:  # the product the patient will receive: the text is worded for it
        product = consent.consent_product(kind, request.GET.get("product"))
    except InvalidInput:
        return render(request, "portal/404.html", {"message": "No such consent."}, status=404)
    current = consent.current_consent(patient, kind, product)
    if current is not None:
        messages.info(
            request,
            f"You have already signed {ConsentKind(kind).label.lower()} consent "
            f"(version {current.document.version}).",
        )
        return redirect("portal:home")
    document = consent.open_signing(patient, kind, by=request.user, product=product)  # type: ignore[arg-type]
    form = ConsentSignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signed = form.sign(
                patient, kind=kind, by=request.user, channel=Channel.PORTAL, product=product
            )
        except Conflict as error:
            messages.error(request, error.message)
            return redirect(request.get_full_path())
        if signed:
            messages.success(request, f"Thank you: {ConsentKind(kind).label} consent signed.")
            return redirect("portal:home")
    context = {
        "document": document,
        "form": form,
        "action": request.get_full_path(),
        "submit_label": "I agree and sign",
    }
    return render(request, "portal/consent.html", context, status=422 if form.errors else 200)


@patient_required
def checkin(request: HttpRequest) -> HttpResponse:
    """One tap per treated area: movement has returned, or not yet."""
    if request.method != "POST":
        return redirect("portal:home")
    patient, today = request.patient, local_today()  # type: ignore[attr-defined]
    answer = request.POST.get("returned")
    due = {(str(c.encounter_id), c.area): c for c in checkins_due(patient, today)}
    item = due.get((request.POST.get("encounter", ""), request.POST.get("area", "")))
    if item is None or answer not in ("yes", "no"):
        messages.error(request, "That check-in is not due today; nothing was recorded.")
        return redirect("portal:home")
    try:
        record_wear_off(
            patient,
            encounter=UUID(str(item.encounter_id)),
            area=item.area,
            returned=answer == "yes",
            on=today,
            by=request.user,  # type: ignore[arg-type]
            source=WearOffSource.PORTAL_CHECKIN,
        )
    except InvalidInput as error:
        messages.error(request, f"Nothing was recorded: {error.message}")
    else:
        said = "movement has returned" if answer == "yes" else "not yet"
        messages.success(request, f"Thank you: {item.area_name} — {said}.")
    return redirect("portal:home")
