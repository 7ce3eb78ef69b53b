"""The manager's audit report: which events match a filter, and the audited read of them.

Lives in the web shell, not in bonta.audit: the report joins the log to patients (record
numbers) and users (usernames), and bonta.audit sits below both in the map (docs/architecture.md
§0), so it cannot import them. Verification stays in `bonta.audit.chain`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bonta.accounts.models import Role, User
from bonta.audit.log import record
from bonta.audit.models import AuditEvent
from bonta.domain.errors import InvalidInput
from bonta.records.models import Patient
from bonta.records.services._common import require_role

REPORT_ROLES = frozenset({Role.MANAGER})
PAGE_SIZE = 50
ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
CSV_COLUMNS = (
    "seq",
    "at",
    "user",
    "role",
    "action",
    "object_type",
    "object_id",
    "patient",
    "detail",
    "chain",
)


@dataclass(frozen=True)
class Filters:
    patient: Patient | None = None
    user: User | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None

    def used(self) -> list[str]:
        names = ("patient", "user", "action", "since", "until")
        return [name for name in names if getattr(self, name)]


def parse_filters(params: Mapping[str, str]) -> Filters:
    """The query string's filters; InvalidInput names the first bad field."""
    patient = user = None
    number = (params.get("patient") or "").strip()
    if number:
        patient = Patient.objects.filter(record_number=number).first()
        if patient is None:
            raise InvalidInput("patient", f"no patient has the record number {number!r}")
    username = (params.get("user") or "").strip()
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise InvalidInput("user", f"no user is called {username!r}")
    action = (params.get("action") or "").strip()
    if action and (len(action) > 64 or not ACTION.fullmatch(action)):
        raise InvalidInput("action", "an action looks like patient.read (letters, dots)")
    since, until = _date(params, "since"), _date(params, "until")
    if since and until and since > until:
        raise InvalidInput("until", "the end date is before the start date")
    return Filters(patient=patient, user=user, action=action, since=since, until=until)


def _date(params: Mapping[str, str], name: str) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(name, f"{raw!r} is not a date (YYYY-MM-DD)") from None


def matching(filters: Filters) -> QuerySet[AuditEvent]:
    rows = AuditEvent.objects.order_by("-id")  # written order: unsealed events (no seq) too
    if filters.patient is not None:
        rows = rows.filter(patient_id=filters.patient.pk)
    if filters.user is not None:
        rows = rows.filter(actor_id=filters.user.pk)
    if filters.action:
        rows = rows.filter(action=filters.action)
    zone = timezone.get_current_timezone()
    if filters.since:
        rows = rows.filter(at__gte=datetime.combine(filters.since, time(), zone))
    if filters.until:
        rows = rows.filter(at__lt=datetime.combine(filters.until + timedelta(days=1), time(), zone))
    return rows


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    user: str
    patient: str


def report_page(
    filters: Filters, *, by: User, page: object = 1
) -> tuple[Page[AuditEvent], list[Row]]:
    """One page of matching events, newest first; the read itself is audited."""
    require_role(by, REPORT_ROLES, "see the audit report")
    with transaction.atomic():
        found = Paginator(matching(filters), PAGE_SIZE).get_page(page)
        rows = labelled(found.object_list)
        _audit(filters, by, kind="page", count=len(rows))
    return found, rows


def report_csv(filters: Filters, *, by: User) -> Iterator[str]:
    """Every matching event as CSV lines (header first); the export is audited before the
    first line is produced."""
    require_role(by, REPORT_ROLES, "export the audit report")
    rows = matching(filters)
    with transaction.atomic():
        _audit(filters, by, kind="csv", count=rows.count())
    return _csv_lines(rows)


def _audit(filters: Filters, by: User, *, kind: str, count: int) -> None:
    record(
        "audit.report",
        actor=by,
        object_type="audit_report",
        patient_id=filters.patient.pk if filters.patient else None,
        detail={"kind": kind, "count": count, "fields": filters.used()},
    )


def labelled(events: Iterable[AuditEvent]) -> list[Row]:
    """Events with their user's name and patient's record number (two queries, any page)."""
    events = list(events)
    users = dict(
        User.objects.filter(pk__in={e.actor_id for e in events if e.actor_id}).values_list(
            "pk", "username"
        )
    )
    patients = dict(
        Patient.objects.filter(pk__in={e.patient_id for e in events if e.patient_id}).values_list(
            "pk", "record_number"
        )
    )
    return [
        Row(
            event=e,
            user=users.get(e.actor_id, "") if e.actor_id else "",
            patient=patients.get(e.patient_id, "") if e.patient_id else "",
        )
        for e in events
    ]


def _csv_lines(rows: QuerySet[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Iterable[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v) for v in values])
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    chunk: list[AuditEvent] = []
    for event in rows.iterator(chunk_size=1000):
        chunk.append(event)
        if len(chunk) == 1000:
            yield from (line(_values(r)) for r in labelled(chunk))
            chunk = []
    yield from (line(_values(r)) for r in labelled(chunk))


def _values(row: Row) -> list[Any]:
    e = row.event
    detail = json.dumps(e.detail, sort_keys=True, separators=(",", ":"))
    at = e.at.isoformat()
    return [e.seq, at, row.user, e.actor_role, e.action, e.object_type, e.object_id, row.patient,
            detail, e.chain]  # fmt: skip


def _cell(value: object) -> str:
    """A spreadsheet never runs a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text
