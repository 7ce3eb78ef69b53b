"""FHIR Bulk Data Access (v2.0) `$export`: kick-off, the job runner, status and files.

A kick-off stores an `ExportJob` (queued) and, once that commits, starts a thread in the same
process to run it, so `bonta serve` alone completes an export. `bonta export-worker` (or the
`run_queued` function) runs queued jobs too. Whoever runs a job claims it first — SELECT …
FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite (settings) — so a job runs
once however many processes look; the runner renews a lease every chunk, and a job whose
runner died (lease ran out) is claimed again and restarts, up to `MAX_ATTEMPTS`.

The runner streams: a source with an `export` reads plain values in keyset-paged chunks and
builds each resource with the mapping the read and search endpoints use (`to_fhir` calls the
same builder); any other source is read with `.iterator(chunk_size=CHUNK)` and `to_fhir`.
Either way queries grow with chunks, not rows, and each resource is one line of the type's
NDJSON file. Codings are built once per export (`codes.memoized`). Files live under
`BONTA_DATA_DIR/exports/` with random names, mode 0600; they expire
(`BONTA_EXPORT_EXPIRY_HOURS`, default 24) and are deleted then.

Which resources: `transactionTime` is when the run started; a resource whose lastUpdated is
later is left out (the next `_since=transactionTime` export brings it), and with `_since` only
resources updated after it are sent. Practitioner has no stored update time: it is always sent
(system level only).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import socket
import threading
import traceback
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from bonta.accounts.models import Role, User
from bonta.audit.log import record
from bonta.domain.pathways import Pathway
from bonta.fhir.codes import concept, memoized
from bonta.fhir.models import ExportFile, ExportJob, ExportLevel, ExportStatus
from bonta.fhir.resources import REGISTRY, ResourceType, Source
from bonta.fhir.resources._common import instant, ref
from bonta.records.models import Course, Encounter, EncounterStatus, Patient
from bonta.records.services._common import CLINICAL_READ

log = logging.getLogger(__name__)

CHUNK = 2000  # rows per query chunk, and between lease renewals
# One line per resource, as json.dumps(resource, ensure_ascii=False) writes it (the C encoder).
ENCODER = json.JSONEncoder(ensure_ascii=False)
MAX_ATTEMPTS = 3
OUTPUT_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
KICKOFF_PARAMS = frozenset({"_type", "_since", "_outputFormat"})
INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})"
)  # a FHIR instant: full time with a zone


class BulkError(Exception):
    """A refusal with its HTTP status, OperationOutcome code and the parameter it concerns."""

    def __init__(self, status: int, code: str, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.where = where


# ---- settings --------------------------------------------------------------------------------


def export_dir() -> Path:
    configured = getattr(settings, "BONTA_EXPORT_DIR", None)
    path = Path(configured) if configured else Path(settings.DATA_DIR) / "exports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def expiry() -> timedelta:
    return timedelta(hours=float(getattr(settings, "BONTA_EXPORT_EXPIRY_HOURS", 24)))


def lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "BONTA_EXPORT_LEASE_SECONDS", 120)))


def retry_after() -> int:
    return int(getattr(settings, "BONTA_EXPORT_RETRY_AFTER", 2))


# ---- groups ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSpec:
    id: str
    pathway: Pathway
    name: str


GROUPS = {
    g.id: g
    for g in (
        GroupSpec("cosmetic", Pathway.COSMETIC, "Patients on the cosmetic pathway"),
        GroupSpec(
            "chronic-migraine", Pathway.CHRONIC_MIGRAINE, "Patients on the chronic-migraine pathway"
        ),
    )
}
GROUP_DEFINITION = (
    "Every patient with a course on this pathway (active, paused or stopped) or a signed visit "
    "on it. A group's export holds all of its members' data, as Bulk Data defines it."
)


def group_members(group: str) -> QuerySet[Patient]:
    """The group's patients: `id IN (courses UNION signed visits)`. Not two `IN`s joined by
    OR: PostgreSQL cannot hash an OR of subqueries once they outgrow work_mem and re-ran the
    visits' one per patient (a 100k-patient group export spent over 6 minutes on its first
    query; the union takes 0.2 s)."""
    way = GROUPS[group].pathway.value
    on_course = Course.objects.filter(pathway=way).order_by().values("patient_id")
    visited = (
        Encounter.objects.filter(pathway=way, status=EncounterStatus.SIGNED)
        .order_by()
        .values("patient_id")
    )
    return Patient.objects.filter(pk__in=on_course.union(visited))


def group_resource(group: str) -> dict[str, Any]:
    spec = GROUPS[group]
    members = list(group_members(group).order_by("record_number").values_list("pk", flat=True))
    resource: dict[str, Any] = {
        "resourceType": "Group",
        "id": spec.id,
        "active": True,
        "type": "person",
        "actual": True,
        "code": concept("pathway", spec.pathway.value),
        "name": spec.name,
        "quantity": len(members),
    }
    if members:
        resource["member"] = [{"entity": ref("Patient", pk)} for pk in members]
    return resource


# ---- kick-off --------------------------------------------------------------------------------


def compartment_types() -> list[str]:
    """The types in the Patient compartment (Practitioner is not)."""
    return [
        name
        for name, kind in REGISTRY.items()
        if name == "Patient" or all(s.patient for s in kind.sources)
    ]


def parse_kickoff(
    level: str, query: dict[str, list[str]], *, lenient: bool = False
) -> tuple[list[str], datetime | None]:
    """(types, since) from the kick-off parameters, or a BulkError naming the parameter."""
    unknown = sorted(set(query) - KICKOFF_PARAMS - {"_format"})
    if unknown and not lenient:
        names = ", ".join(unknown)
        raise BulkError(
            400, "not-supported", f"Unsupported $export parameter(s): {names}", where=names
        )
    allowed = list(REGISTRY) if level == ExportLevel.SYSTEM else compartment_types()
    types: list[str] = []
    for value in query.get("_type", []):
        for name in (v.strip() for v in value.split(",")):
            if not name:
                raise BulkError(400, "invalid", "_type has an empty type name", where="_type")
            if name not in REGISTRY:
                known = ", ".join(REGISTRY)
                raise BulkError(
                    400,
                    "not-supported",
                    f"_type: {name!r} is not exported (exported: {known})",
                    where="_type",
                )
            if name not in allowed:
                raise BulkError(
                    400,
                    "not-supported",
                    f"_type: {name} is not in the Patient compartment, so a patient or group "
                    "export cannot hold it",
                    where="_type",
                )
            if name not in types:
                types.append(name)
    if not types:
        types = allowed
    since = None
    values = query.get("_since", [])
    if len(values) > 1:
        raise BulkError(400, "invalid", "_since may be given once", where="_since")
    if values:
        since = _instant(values[0])
    formats = query.get("_outputFormat", [])
    for value in formats:
        if value not in OUTPUT_FORMATS:
            raise BulkError(
                400,
                "not-supported",
                f"_outputFormat {value!r} is not supported (only application/fhir+ndjson)",
                where="_outputFormat",
            )
    return types, since


def _instant(value: str) -> datetime:
    text = value.strip()
    if not INSTANT.fullmatch(text):
        raise BulkError(
            400,
            "invalid",
            f"_since must be a FHIR instant with a time zone (e.g. 2025-01-01T00:00:00Z), "
            f"not {value!r}",
            where="_since",
        )
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BulkError(400, "invalid", f"_since {value!r} is not a real time", "_since") from None


def refuse_unreadable(user: User, types: Iterable[str]) -> None:
    for name in types:
        kind = REGISTRY[name]
        if not user.is_active or user.role not in kind.roles:
            raise BulkError(
                403,
                "forbidden",
                f"Your role ({user.role}) may not read {name} resources; ask for the types you "
                "may read with _type.",
                where="_type",
            )


def kick_off(
    user: User,
    *,
    level: str,
    group: str = "",
    query: dict[str, list[str]],
    request_url: str,
    lenient: bool = False,
) -> ExportJob:
    if level == ExportLevel.GROUP:
        if group not in GROUPS:
            known = ", ".join(GROUPS)
            raise BulkError(404, "not-found", f"No Group {group!r} (groups: {known}).")
        if user.role not in CLINICAL_READ:
            raise BulkError(403, "forbidden", f"Your role ({user.role}) may not read Groups.")
    types, since = parse_kickoff(level, query, lenient=lenient)
    refuse_unreadable(user, types)
    expire_due()
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=user,
            request=request_url[:2000],
            level=level,
            group=group,
            types=types,
            since=since,
        )
        record(
            "fhir.export.start",
            actor=user,
            object_type="fhir_export",
            object_id=job.pk,
            detail={"kind": level, "codes": types},
        )
        if getattr(settings, "BONTA_EXPORT_THREAD", True):
            transaction.on_commit(lambda: start_thread(job.pk))
    return job


def start_thread(job_id: uuid.UUID) -> threading.Thread:
    thread = threading.Thread(
        target=_run_in_thread, args=(job_id,), name=f"fhir-export-{job_id}", daemon=True
    )
    thread.start()
    return thread


def _run_in_thread(job_id: uuid.UUID) -> None:
    try:
        run_queued(job_id=job_id)
    except Exception as error:
        log.error("FHIR export thread failed: %s", type(error).__name__)
    finally:
        connections.close_all()


# ---- the runner ------------------------------------------------------------------------------


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{secrets.token_hex(3)}"


def claim(worker: str, job_id: uuid.UUID | None = None) -> ExportJob | None:
    """Reserve the oldest queued job (or one whose runner's lease ran out) for `worker`."""
    now = timezone.now()
    claimable = Q(status=ExportStatus.QUEUED) | Q(status=ExportStatus.RUNNING, lease_until__lt=now)
    if job_id is not None:
        claimable &= Q(pk=job_id)
    if not ExportJob.objects.filter(claimable).exists():
        return None  # the usual case for a worker pass: no write lock taken
    with transaction.atomic():
        rows = ExportJob.objects.select_for_update(skip_locked=True).filter(claimable)
        job = rows.order_by("created_at").first()
        if job is None:
            return None
        if job.attempts >= MAX_ATTEMPTS:
            _finish_failed(job, f"the export stopped {job.attempts} times without finishing")
            return None
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.RUNNING,
            claimed_by=worker,
            lease_until=now + lease(),
            attempts=F("attempts") + 1,
            started_at=now,
            progress="starting",
        )
    job.refresh_from_db()
    return job


def run_queued(
    *, job_id: uuid.UUID | None = None, limit: int | None = None, worker: str | None = None
) -> int:
    """Claim and run jobs until none is left (or `limit`); returns how many ran."""
    worker = worker or runner_name()
    done = 0
    while limit is None or done < limit:
        if not connection.in_atomic_block:  # (tests run inside one)
            close_old_connections()  # a restarted database: reconnect
        job = claim(worker, job_id)
        if job is None:
            break
        run(job, worker)
        done += 1
        if job_id is not None:
            break
    return done


class Stopped(Exception):
    """The job is no longer ours (cancelled, or its lease went to another runner)."""


def run(job: ExportJob, worker: str) -> None:
    _delete_files(job)  # a restarted job starts again from nothing
    started = timezone.now()
    ExportJob.objects.filter(pk=job.pk, claimed_by=worker).update(transaction_time=started)
    counts: dict[str, int] = {}
    try:
        for name in job.types:
            counts[name] = _export_type(job, worker, REGISTRY[name], started, counts)
    except Stopped:
        _delete_files(job)
        return
    except Exception as error:
        # The type and the stack, never the message: it may quote a row (patient data).
        stack = "".join(traceback.format_tb(error.__traceback__))
        log.error("FHIR export %s failed: %s\n%s", job.pk, type(error).__name__, stack)
        _finish_failed(job, "the export failed on the server (see its log)", worker=worker)
        return
    now = timezone.now()
    with transaction.atomic():
        finished = ExportJob.objects.filter(
            pk=job.pk, status=ExportStatus.RUNNING, claimed_by=worker
        ).update(
            status=ExportStatus.COMPLETED,
            finished_at=now,
            expires_at=now + expiry(),
            lease_until=None,
            progress=_progress(counts, done=True),
        )
        if finished:
            record(
                "fhir.export.complete",
                actor=job.user,
                object_type="fhir_export",
                object_id=job.pk,
                detail={"kind": job.level, "counts": counts, "count": sum(counts.values())},
            )
    if not finished:
        _delete_files(job)


def _export_type(
    job: ExportJob, worker: str, kind: ResourceType, at: datetime, counts: dict[str, int]
) -> int:
    name = f"{secrets.token_urlsafe(24)}.ndjson"
    path = export_dir() / name
    entry = ExportFile.objects.create(job=job, resource_type=kind.name, name=name)
    count = 0
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as out, memoized():
        for source in kind.sources:
            for line in _lines(job, kind, source, at):
                out.write(line)
                out.write("\n")
                count += 1
                if count % CHUNK == 0:
                    _heartbeat(job, worker, {**counts, kind.name: count})
        _heartbeat(job, worker, {**counts, kind.name: count})
    if count == 0:
        path.unlink(missing_ok=True)
        entry.delete()
    else:
        ExportFile.objects.filter(pk=entry.pk).update(count=count, size=path.stat().st_size)
    return count


def _lines(job: ExportJob, kind: ResourceType, source: Source, at: datetime) -> Iterator[str]:
    rows = _rows(job, kind, source, at)
    if source.export is not None:
        return source.export(rows, CHUNK)
    encode = ENCODER.encode
    return (encode(source.to_fhir(row)) for row in rows.iterator(chunk_size=CHUNK))


def _rows(job: ExportJob, kind: ResourceType, source: Source, at: datetime) -> QuerySet[Any]:
    rows = source.rows()
    if source.last_updated is not None:
        rows = rows.annotate(fhir_last_updated=source.last_updated).filter(
            fhir_last_updated__lte=at
        )
        if job.since is not None:
            rows = rows.filter(fhir_last_updated__gt=job.since)
    if job.level == ExportLevel.GROUP:
        members = group_members(job.group).values("pk")
        field = "pk" if kind.name == "Patient" else source.patient
        rows = rows.filter(**{f"{field}__in": members})
    return rows.order_by("pk")


def _progress(counts: dict[str, int], done: bool = False) -> str:
    text = ", ".join(f"{name} {n}" for name, n in counts.items())
    return (f"done: {text}" if done else f"written: {text}")[:200]


def _heartbeat(job: ExportJob, worker: str, counts: dict[str, int]) -> None:
    renewed = ExportJob.objects.filter(
        pk=job.pk, status=ExportStatus.RUNNING, claimed_by=worker
    ).update(lease_until=timezone.now() + lease(), progress=_progress(counts))
    if not renewed:
        raise Stopped


def _finish_failed(job: ExportJob, error: str, worker: str | None = None) -> None:
    rows = ExportJob.objects.filter(pk=job.pk)
    if worker is not None:
        rows = rows.filter(status=ExportStatus.RUNNING, claimed_by=worker)
    rows.update(
        status=ExportStatus.FAILED,
        error=error[:500],
        finished_at=timezone.now(),
        lease_until=None,
        expires_at=timezone.now() + expiry(),
    )
    _delete_files(job)


def _delete_files(job: ExportJob) -> None:
    directory = export_dir()
    for entry in ExportFile.objects.filter(job=job):
        (directory / entry.name).unlink(missing_ok=True)
    ExportFile.objects.filter(job=job).delete()


# ---- status, cancel, expiry, files -----------------------------------------------------------


def may_see(user: User, job: ExportJob) -> bool:
    return user.is_active and (job.user_id == user.pk or user.role == Role.MANAGER)


def expire_due(now: datetime | None = None) -> int:
    """Completed and failed jobs past their expiry: files deleted, status `expired`."""
    now = now or timezone.now()
    due = list(
        ExportJob.objects.filter(
            status__in=(ExportStatus.COMPLETED, ExportStatus.FAILED), expires_at__lte=now
        )
    )
    for job in due:
        _delete_files(job)
        ExportJob.objects.filter(pk=job.pk, status=job.status).update(status=ExportStatus.EXPIRED)
    return len(due)


def cancel(job: ExportJob, by: User) -> None:
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.CANCELLED, finished_at=timezone.now(), lease_until=None
        )
        record(
            "fhir.export.cancel",
            actor=by,
            object_type="fhir_export",
            object_id=job.pk,
            detail={"status": job.status},
        )
    _delete_files(job)  # a runner still writing notices at its next chunk and stops


def manifest(job: ExportJob, root: str) -> dict[str, Any]:
    assert job.transaction_time is not None
    files = job.files.order_by("resource_type")
    order = {name: i for i, name in enumerate(job.types)}
    return {
        "transactionTime": instant(job.transaction_time),
        "request": job.request,
        "requiresAccessToken": True,
        "output": [
            {"type": f.resource_type, "url": f"{root}/$export-file/{f.name}", "count": f.count}
            for f in sorted(files, key=lambda f: order.get(f.resource_type, 99))
        ],
        "error": [],
    }


def open_file(entry: ExportFile) -> Any:
    return (export_dir() / entry.name).open("rb")
