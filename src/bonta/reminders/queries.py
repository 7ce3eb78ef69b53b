"""Reads of the outbox: the manager's page, the CLI status, the chart panel. No message bodies,
no addresses: the outbox page names the patient by record number only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from bonta.accounts.models import User
from bonta.appointments.services.stale import stale_status
from bonta.audit.log import record
from bonta.audit.models import AuditEvent
from bonta.db.prepared import Statement, field_of
from bonta.records.services._common import require_role
from bonta.reminders import config, outbox
from bonta.reminders.message import message_id
from bonta.reminders.models import Reminder, ReminderPreference, ReminderStatus

PROBLEMS = (ReminderStatus.UNCERTAIN, ReminderStatus.FAILED)
PAGE_LIMIT = 200


@dataclass(frozen=True)
class Outbox:
    counts: dict[str, int]
    oldest_due: datetime | None  # the longest-waiting due reminder: a stopped worker shows here
    problems: list[Reminder]  # uncertain first, then failed; oldest first; at most PAGE_LIMIT
    more: int  # problems not shown


def outbox_page(*, by: User, now: datetime) -> Outbox:
    require_role(by, outbox.RESOLVE_ROLES, "see the reminder outbox")
    with transaction.atomic():
        counts = outbox.counts()
        oldest = Reminder.objects.filter(status=ReminderStatus.PENDING, due_at__lte=now).aggregate(
            oldest=Min("due_at")
        )["oldest"]
        problems = list(
            Reminder.objects.filter(status__in=PROBLEMS)
            .select_related("patient", "appointment")
            .only(
                "id",
                "kind",
                "status",
                "due_at",
                "attempts",
                "last_error",
                "claimed_by",
                "sent_at",
                "patient__id",
                "patient__record_number",
                "appointment__id",
                "appointment__starts_at",
            )
            .order_by("-status", "due_at")[:PAGE_LIMIT]  # "uncertain" sorts after "failed"
        )
        record(
            "reminder.outbox",
            actor=by,
            object_type="reminder",
            detail={"count": len(problems)},
        )
    more = sum(counts[s] for s in PROBLEMS) - len(problems)
    return Outbox(counts, oldest, problems, more)


def background_status() -> dict[str, Any]:
    """What the background jobs have left to do, with no patient data (`bonta worker --status`,
    `/healthz`): the audit events not yet sealed into the chain and the patients whose recall
    due dates wait for a refresh, each with its oldest item's age in seconds (seconds: the
    jobs run; minutes: no `bonta worker` or `bonta serve` thread is running)."""
    window = AuditEvent.objects.filter(seq__isnull=True).aggregate(n=Count("id"), oldest=Min("at"))
    oldest = window["oldest"]
    age = None if oldest is None else round(max((timezone.now() - oldest).total_seconds(), 0), 3)
    stale = stale_status()
    return {
        "audit": {"unsealed_events": window["n"], "oldest_unsealed_age_seconds": age},
        "recall": {
            "stale_patients": stale.count,
            "oldest_stale_age_seconds": stale.oldest_age_seconds,
        },
    }


def outbox_status() -> dict[str, Any]:
    """For `bonta worker --status`: ids, Message-IDs and codes, no patient data."""
    clinic = config.clinic()
    rows = (
        Reminder.objects.filter(status__in=PROBLEMS)
        .order_by("status", "due_at")
        .values("id", "appointment_id", "status", "due_at", "attempts", "last_error")
    )
    return {
        "counts": outbox.counts(),
        "problems": [
            {
                "reminder_id": str(r["id"]),
                "message_id": message_id(r["id"], clinic),
                "appointment_id": str(r["appointment_id"]),
                "status": r["status"],
                "due_at": r["due_at"].isoformat(),
                "attempts": r["attempts"],
                "last_error": r["last_error"],
            }
            for r in rows
        ],
    }


@dataclass(frozen=True)
class Panel:
    opted_out: bool
    opted_out_at: datetime | None
    has_email: bool
    reminders: list[Reminder]  # this patient's latest few, newest first


# The chart's reminder panel, on every chart view (compiled once: bonta.db.prepared).
_PREFERENCE: Statement[ReminderPreference] = Statement(
    lambda patient_id: ReminderPreference.objects.filter(patient_id=patient_id).order_by("pk")[:1],
    patient_id=field_of(ReminderPreference, "patient"),
)
_LATEST_REMINDERS: Statement[Reminder] = Statement(
    lambda patient_id: (
        Reminder.objects.filter(patient_id=patient_id)
        .select_related("appointment")
        .only(
            "id", "kind", "status", "due_at", "sent_at", "cancel_reason", "appointment__starts_at"
        )
        .order_by("-due_at")[:5]
    ),
    patient_id=field_of(Reminder, "patient"),
)


def patient_panel(patient_id: UUID, has_email: bool) -> Panel:
    """The chart's reminder panel (the chart view has already audited the chart read)."""
    preferences = _PREFERENCE.run(patient_id=patient_id)
    preference = preferences[0] if preferences else None
    latest = _LATEST_REMINDERS.run(patient_id=patient_id)
    return Panel(
        opted_out=bool(preference and preference.email_opt_out),
        opted_out_at=preference.opted_out_at if preference else None,
        has_email=has_email,
        reminders=latest,
    )
