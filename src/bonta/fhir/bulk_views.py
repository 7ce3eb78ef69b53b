"""Bulk Data endpoints: `$export` kick-off (system, Patient, Group), status polling, cancel,
file download; and the Group resources the group-level export names."""

from __future__ import annotations

from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.http import http_date

from bonta.accounts.models import User
from bonta.audit.log import audited_read, record
from bonta.fhir import bulk
from bonta.fhir.bulk import GROUPS, BulkError
from bonta.fhir.models import ExportFile, ExportJob, ExportLevel, ExportStatus
from bonta.fhir.views import FHIR_JSON, fail, fhir_view, outcome, respond
from bonta.records.services._common import CLINICAL_READ

NDJSON = "application/fhir+ndjson"


def _root(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/R4")


def _prefer(request: HttpRequest) -> set[str]:
    return {p.strip().replace(" ", "") for p in request.headers.get("Prefer", "").split(",")}


def _kick_off(request: HttpRequest, user: User, level: str, group: str = "") -> HttpResponse:
    accept = request.headers.get("Accept", "")
    if FHIR_JSON not in [a.split(";")[0].strip() for a in accept.split(",")]:
        return fail(
            400, "invalid", "A $export kick-off needs 'Accept: application/fhir+json'.", "Accept"
        )
    prefer = _prefer(request)
    if "respond-async" not in prefer:
        return fail(
            400, "invalid", "A $export kick-off needs 'Prefer: respond-async'.", where="Prefer"
        )
    query = {name: request.GET.getlist(name) for name in request.GET}
    job = bulk.kick_off(
        user,
        level=level,
        group=group,
        query=query,
        request_url=request.build_absolute_uri(),
        lenient="handling=lenient" in prefer,
    )
    response = respond(
        outcome("informational", f"Export {job.pk} queued.", severity="information"), 202
    )
    response["Content-Location"] = f"{_root(request)}/$export-poll/{job.pk}"
    return response


@fhir_view()
def export_system(request: HttpRequest, user: User) -> HttpResponse:
    return _kick_off(request, user, ExportLevel.SYSTEM)


@fhir_view()
def export_patients(request: HttpRequest, user: User) -> HttpResponse:
    return _kick_off(request, user, ExportLevel.PATIENT)


@fhir_view()
def export_group(request: HttpRequest, user: User, pk: str) -> HttpResponse:
    return _kick_off(request, user, ExportLevel.GROUP, pk)


def _job(user: User, pk: str) -> ExportJob:
    bulk.expire_due()
    try:
        job = ExportJob.objects.get(pk=pk)
    except (ExportJob.DoesNotExist, ValueError, Exception):
        raise BulkError(404, "not-found", "No such export.") from None
    if not bulk.may_see(user, job):
        raise BulkError(
            403, "forbidden", "Only the user who started an export, or a manager, may see it."
        )
    if job.status == ExportStatus.CANCELLED:
        raise BulkError(404, "not-found", "This export was cancelled.")
    if job.status == ExportStatus.EXPIRED:
        raise BulkError(410, "not-found", "This export expired and its files were deleted.")
    return job


@fhir_view(methods=("GET", "HEAD", "DELETE"))
def status(request: HttpRequest, user: User, pk: str) -> HttpResponse:
    job = _job(user, pk)
    if request.method == "DELETE":
        bulk.cancel(job, user)
        return respond(outcome("informational", "Export cancelled.", severity="information"), 202)
    if job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        response = HttpResponse(status=202)
        response["Retry-After"] = str(bulk.retry_after())
        response["X-Progress"] = job.progress or job.status
        response["Cache-Control"] = "no-store"
        return response
    if job.status == ExportStatus.FAILED:
        return fail(500, "exception", f"The export failed: {job.error}")
    response = respond(bulk.manifest(job, _root(request)))
    if job.expires_at:
        response["Expires"] = http_date(job.expires_at.timestamp())
    return response


@fhir_view()
def download(request: HttpRequest, user: User, name: str) -> HttpResponse:
    entry = ExportFile.objects.select_related("job").filter(name=name).first()
    if entry is None:
        return fail(404, "not-found", "No such export file.")
    job = _job(user, str(entry.job_id))
    if job.status != ExportStatus.COMPLETED:
        return fail(404, "not-found", "This export has no files (yet).")
    try:
        handle = bulk.open_file(entry)
    except FileNotFoundError:
        return fail(410, "not-found", "This export file was deleted.")
    with transaction.atomic():
        record(
            "fhir.export.download",
            actor=user,
            object_type="fhir_export",
            object_id=job.pk,
            detail={"type": entry.resource_type, "count": entry.count},
        )
    response = FileResponse(handle, content_type=NDJSON)
    response["Cache-Control"] = "no-store"
    return response


# ---- Group -----------------------------------------------------------------------------------


def _group_allowed(user: User) -> HttpResponse | None:
    if user.is_active and user.role in CLINICAL_READ:
        return None
    return fail(403, "forbidden", f"Your role ({user.role}) may not read Group resources.")


@fhir_view()
def group_read(request: HttpRequest, user: User, pk: str) -> HttpResponse:
    refused = _group_allowed(user)
    if refused:
        return refused
    if pk not in GROUPS:
        return fail(404, "not-found", f"No Group {pk!r} (groups: {', '.join(GROUPS)}).")
    with audited_read():
        resource = bulk.group_resource(pk)
        record(
            "fhir.read",
            actor=user,
            object_type="Group",
            object_id=pk,
            detail={"type": "Group", "count": resource["quantity"]},
        )
    return respond(resource)


@fhir_view()
def group_search(request: HttpRequest, user: User) -> HttpResponse:
    refused = _group_allowed(user)
    if refused:
        return refused
    root = _root(request)
    with audited_read():
        groups = [bulk.group_resource(pk) for pk in GROUPS]
        record(
            "fhir.search",
            actor=user,
            object_type="Group",
            detail={"type": "Group", "count": len(groups)},
        )
    return respond(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(groups),
            "link": [{"relation": "self", "url": f"{root}/Group"}],
            "entry": [
                {"fullUrl": f"{root}/Group/{g['id']}", "resource": g, "search": {"mode": "match"}}
                for g in groups
            ],
        }
    )
