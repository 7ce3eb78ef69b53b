"""POST /fhir/R4 with a transaction or batch Bundle (import), and the staff page where a
clinician reviews imports that matched no patient or more than one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bonta.accounts.models import User
from bonta.domain.errors import InvalidInput
from bonta.fhir import imports
from bonta.fhir.imports import SOURCE_HEADER, BundleError
from bonta.fhir.models import PendingImport, PendingStatus
from bonta.fhir.views import fail, fhir_view, respond
from bonta.records.errors import NotAllowed
from bonta.records.models import Patient
from bonta.records.services._common import CLINICAL_WRITE, SIGN, load
from bonta.ui.access import staff


@fhir_view(methods=("POST",))
def bundle(request: HttpRequest, user: User) -> HttpResponse:
    if user.role not in CLINICAL_WRITE:
        return fail(403, "forbidden", f"Your role ({user.role}) may not import administrations.")
    try:
        body = request.body
    except RequestDataTooBig:
        return fail(413, "too-costly", "The bundle is larger than this server accepts.", "Bundle")
    try:
        result = imports.import_bundle(
            body, by=user, source_header=request.headers.get(SOURCE_HEADER, "")
        )
    except BundleError as error:
        return fail(error.status, error.code, error.message, where=error.where)
    except NotAllowed as error:
        return fail(403, "forbidden", error.message)
    entries = result.bundle.entries
    return respond(imports.response_bundle(result.bundle.bundle_type, result, entries))


@staff(SIGN, "review imported administrations")
def pending_page(request: HttpRequest) -> HttpResponse:
    rows = imports.pending_imports(by=request.user)  # type: ignore[arg-type]
    return render(request, "fhir/pending_imports.html", {"rows": rows})


@require_POST
@staff(SIGN, "review imported administrations")
def decide(request: HttpRequest, pending_id: str) -> HttpResponse:
    pending = load(PendingImport, pending_id, "pending import", status=PendingStatus.PENDING)
    by: User = request.user  # type: ignore[assignment]
    try:
        if request.POST.get("decision") == "reject":
            imports.reject(pending, by=by)
            messages.success(request, "Rejected: nothing was recorded.")
        else:
            number = (request.POST.get("record_number") or "").strip()
            patient = Patient.objects.filter(record_number=number).first() if number else None
            if patient is None:
                raise InvalidInput("record_number", "choose a patient (a record number)")
            imports.confirm(pending, patient, by=by)
            messages.success(
                request, f"Recorded {len(pending.administrations)} for {patient.record_number}."
            )
    except InvalidInput as error:
        messages.error(request, error.message)
    return redirect("fhir-review:pending")
