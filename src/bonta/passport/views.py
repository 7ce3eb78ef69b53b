"""Passport pages: the PDF for a patient, importing another clinic's passport, trusted keys,
and the public key at its well-known URL."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from bonta.domain.errors import InvalidInput
from bonta.passport import keys, reader, services
from bonta.passport.codec import PassportError, UnknownIssuer
from bonta.passport.models import TrustedClinicKey
from bonta.passport.pdf import passport_pdf
from bonta.records.models import Patient
from bonta.records.services import load
from bonta.ui.access import CLINICAL_READ, CLINICAL_WRITE, staff
from bonta.ui.forms import add_service_error


def pdf_response(passport: services.Passport, patient: Patient) -> HttpResponse:
    response = HttpResponse(passport_pdf(passport), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="toxin-passport-{patient.record_number}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@staff(CLINICAL_READ, "issue toxin passports")
def patient_pdf(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = load(Patient, patient_id, "patient")
    return pdf_response(services.issue_passport(patient, by=request.user), patient)


class UploadForm(forms.Form):
    file = forms.FileField(label="The passport PDF, or a photo of its QR code")


@staff(CLINICAL_WRITE, "import toxin passports")
def import_passport(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Upload → verify → show → confirm → import. The confirm form carries the passport text and
    it is verified again on import, so nothing unverified is ever written."""
    patient = load(Patient, patient_id, "patient")
    if request.method == "POST" and "passport" in request.POST:
        return _confirm(request, patient)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > reader.MAX_UPLOAD_BYTES:
            return _refused(request, patient, "The file is larger than 15 MB.")
        try:
            text = reader.text_from_upload(upload.read())
            verified = services.check_passport(patient, text, by=request.user)
        except UnknownIssuer as error:
            return _refused(request, patient, error.message, key_id=error.key_id)
        except PassportError as error:
            return _refused(request, patient, error.message)
        context = {"patient": patient, "verified": verified, "lines": services.lines(verified.data)}
        return render(request, "passport/confirm.html", context)
    status = 422 if form.errors else 200
    return render(
        request, "passport/upload.html", {"patient": patient, "form": form}, status=status
    )


def _confirm(request: HttpRequest, patient: Patient) -> HttpResponse:
    try:
        result = services.import_passport(patient, request.POST["passport"], by=request.user)
    except UnknownIssuer as error:
        return _refused(request, patient, error.message, key_id=error.key_id)
    except PassportError as error:
        return _refused(request, patient, error.message)
    except InvalidInput as error:
        return _refused(request, patient, f"Nothing was imported: {error.message}")
    messages.success(
        request,
        f"Passport imported: {result.imported} new record(s); {result.already} already on record"
        + (f"; {result.own} session(s) given here skipped" if result.own else "")
        + ".",
    )
    return redirect("web:chart", patient.pk)


def _refused(
    request: HttpRequest, patient: Patient, message: str, key_id: str = ""
) -> HttpResponse:
    context = {"patient": patient, "message": message, "key_id": key_id}
    return render(request, "passport/refused.html", context, status=422)


class KeyForm(forms.Form):
    name = forms.CharField(max_length=150, label="Clinic name")
    public_key = forms.CharField(
        max_length=100, label="Public key (base64url, from the clinic's well-known URL)"
    )


@staff(services.KEY_MANAGE, "manage trusted passport keys")
def trusted_keys(request: HttpRequest) -> HttpResponse:
    form = KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.add_trusted_key(by=request.user, **form.cleaned_data)
        except InvalidInput as error:
            add_service_error(form, error, {})
        else:
            messages.success(request, f"Trusted: {row.name}, fingerprint {row.fingerprint}.")
            return redirect("passport:keys")
    context = {
        "form": form,
        "keys": TrustedClinicKey.objects.filter(active=True),
        "own_fingerprint": keys.own_fingerprint(),
        "own_key": keys.public_key_text(),
    }
    return render(request, "passport/keys.html", context, status=422 if form.errors else 200)


@staff(services.KEY_MANAGE, "manage trusted passport keys")
def remove_key(request: HttpRequest, key_id: str) -> HttpResponse:
    if request.method == "POST":
        row = load(TrustedClinicKey, key_id, "trusted key", active=True)
        services.remove_trusted_key(row, by=request.user)
        messages.success(request, f"No longer trusted: {row.name}.")
    return redirect("passport:keys")


@require_GET
def well_known_key(request: HttpRequest) -> JsonResponse:
    """Public: the clinic's passport signing key, so other clinics can check and trust it."""
    return JsonResponse(
        {
            "clinic": settings.BONTA_CLINIC_NAME,
            "url": settings.BONTA_PUBLIC_URL,
            "algorithm": "Ed25519",
            "public_key": keys.public_key_text(),
            "key_id": keys.own_key_id(),
            "fingerprint_sha256": keys.own_fingerprint(),
        }
    )
