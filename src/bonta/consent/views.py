"""Consent pages: the patient's consents, signing on a tablet, withdrawal, PDF, documents."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from bonta.consent import services
from bonta.consent.forms import ConsentSignForm, PublishForm, WithdrawForm
from bonta.consent.models import ConsentDocument, ConsentKind
from bonta.domain.errors import InvalidInput
from bonta.records.errors import Conflict
from bonta.records.models import Patient
from bonta.records.services import load
from bonta.ui.access import ANY_STAFF, staff
from bonta.ui.forms import add_service_error


@staff(services.CONSENT_READ, "view consents")
def patient_consents(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = load(Patient, patient_id, "patient")
    context = {
        "patient": patient,
        "statuses": services.patient_consents(patient, by=request.user),
        "history": services.history(patient),
        "can_witness": request.user.role in services.WITNESS,
    }
    return render(request, "consent/patient.html", context)


@staff(services.WITNESS, "witness a consent on a tablet")
def sign_on_tablet(request: HttpRequest, patient_id: str, kind: str) -> HttpResponse:
    """The exact text, a typed name and a drawn signature; the staff member signed in witnesses."""
    if kind not in ConsentKind.values:
        raise Http404("No such consent kind.")
    patient = load(Patient, patient_id, "patient")
    product = _product(kind, request)  # the product the patient will receive
    document = services.open_signing(patient, kind, by=request.user, product=product)
    form = ConsentSignForm(request.POST or None)
    back = _next(request)
    if request.method == "POST" and form.is_valid():
        try:
            signed = form.sign(
                patient, kind=kind, by=request.user, channel="tablet", product=document.product
            )
        except Conflict as error:
            messages.error(request, error.message)
            return redirect(request.get_full_path())
        if signed:
            worded = f" ({document.product_brand})" if document.product else ""
            messages.success(
                request,
                f"{ConsentKind(kind).label}{worded}: consent version {document.version} signed.",
            )
            return redirect(back or f"/consent/patients/{patient.pk}/")
    context = {
        "patient": patient,
        "document": document,
        "form": form,
        "action": request.get_full_path(),
        "back": back,
    }
    return render(request, "consent/sign.html", context, status=422 if form.errors else 200)


@staff(services.CONSENT_READ, "download consents")
def consent_pdf(request: HttpRequest, consent_id: str) -> HttpResponse:
    consent, data = services.download_consent_pdf(consent_id, by=request.user)
    response = HttpResponse(data, content_type="application/pdf")
    name = f"consent-{consent.document.kind}-v{consent.document.version}-{consent.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@staff(services.WITHDRAW, "record a consent withdrawal")
def withdraw(request: HttpRequest, consent_id: str) -> HttpResponse:
    consent = services.get_consent(consent_id, by=request.user)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(consent, by=request.user, **form.cleaned_data)
        except InvalidInput as error:
            add_service_error(form, error, {})
        except Conflict as error:
            messages.error(request, error.message)
            return redirect("consent:patient", patient_id=consent.patient_id)
        else:
            messages.success(
                request,
                f"Consent withdrawn ({consent.document.get_kind_display()}, version "
                f"{consent.document.version}).",
            )
            return redirect("consent:patient", patient_id=consent.patient_id)
    context = {"consent": consent, "patient": consent.patient, "form": form}
    return render(request, "consent/withdraw.html", context, status=422 if form.errors else 200)


@staff(ANY_STAFF, "view consent documents")
def documents(request: HttpRequest) -> HttpResponse:
    by_kind = []
    for kind in ConsentKind:
        groups: dict[str, list[ConsentDocument]] = {}
        for d in ConsentDocument.objects.filter(kind=kind.value).order_by("product", "-version"):
            groups.setdefault(d.product, []).append(d)
        by_kind.append((kind, list(groups.items())))
    context = {"by_kind": by_kind, "can_publish": request.user.role in services.PUBLISH}
    return render(request, "consent/documents.html", context)


@staff(ANY_STAFF, "view consent documents")
def document(request: HttpRequest, document_id: str) -> HttpResponse:
    found = load(ConsentDocument, document_id, "consent document")
    return render(request, "consent/document.html", {"document": found})


@staff(services.PUBLISH, "publish consent documents")
def publish(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ConsentKind.values:
        raise Http404("No such consent kind.")
    product = _product(kind, request)
    latest = services.latest_document(kind, product)
    initial = {"title": latest.title, "body": latest.body} if latest else {}
    form = PublishForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            published = services.publish_document(
                kind=kind, by=request.user, product=product, **form.cleaned_data
            )
        except InvalidInput as error:
            add_service_error(form, error, {})
        except Conflict as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Published {published.get_kind_display().lower()} version {published.version}. "
                "Patients must sign it before their next sign-off on this pathway.",
            )
            return redirect("consent:documents")
    context = {"kind": ConsentKind(kind), "latest": latest, "form": form, "product": product}
    return render(request, "consent/publish.html", context, status=422 if form.errors else 200)


def _product(kind: str, request: HttpRequest) -> str:
    """The `?product=` a text is worded for (none: the kind's default); unknown: 404."""
    try:
        return services.consent_product(kind, request.GET.get("product"))
    except InvalidInput as error:
        raise Http404(error.reason) from None


def _next(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return ""
