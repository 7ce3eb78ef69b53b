"""The outbox's state machine: every write to a reminder row happens here, each in a short
transaction of its own (see `bonta.reminders.models` for the states).

Delivery is AT MOST ONCE per reminder. The one transition that hands a message over,
pending → sending, commits before the first byte goes to the SMTP server; sending → sent
commits right after the server accepted it. A worker that dies between the two leaves the row
`sending`; when its lease ends the row becomes `uncertain` and a person decides (the outbox
page shows it with its Message-ID, to look up in the mail server's log). Nothing resends it
automatically. A worker that dies holding mere claims (still `pending`) loses nothing: the
claims lapse with the lease and another worker takes them.

Both engines: PostgreSQL claims with SELECT … FOR UPDATE SKIP LOCKED, so workers never wait
for each other's rows; SQLite runs every transaction BEGIN IMMEDIATE (settings), so writers
take turns. The guarded UPDATEs (`status=…, claimed_by=me`) are what make each transition
happen once, whichever engine.

Audit: the worker is the actor (role "worker"). Each send, failure, uncertainty and manual
resolution is one event on the patient; enqueueing and the set-based re-synchronisation with
appointments are one event per pass, with a count.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from uuid import UUID, uuid4

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from bonta.accounts.models import Role, User
from bonta.appointments.models import UPCOMING, Appointment
from bonta.audit.log import record
from bonta.records.errors import Conflict
from bonta.records.models import Patient
from bonta.records.services._common import require_role
from bonta.reminders import config
from bonta.reminders.message import Letter
from bonta.reminders.models import (
    CancelReason,
    Reminder,
    ReminderPreference,
    ReminderStatus,
)

WORKER = SimpleNamespace(pk=None, role="worker")  # the audit actor for the worker's writes
INSERT_BATCH = 500
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)
RESOLVE_ROLES = frozenset({Role.MANAGER})

Status = ReminderStatus


def worker_id() -> str:
    """host:pid:random — unique per worker process, readable on the outbox page."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


# ---- enqueue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enqueued:
    created: int
    synced: int  # pending reminders cancelled, re-timed or re-addressed


def enqueue_due(now: datetime) -> Enqueued:
    """Bring pending reminders in line with their appointments, then create the due ones.

    Idempotent and set-based: one query finds the upcoming appointments whose reminder time
    has come and which have no reminder of that kind yet; the rows are inserted in batches,
    and the UNIQUE (appointment, kind) constraint drops any a concurrent worker inserted first.
    Opted-out patients and patients without an e-mail address get none.
    """
    with transaction.atomic():
        synced = sync_pending(now)
        created = sum(_create_due(kind, lead, now) for kind, lead in config.leads().items())
        if created:
            record(
                "reminder.enqueue", actor=WORKER, object_type="reminder", detail={"count": created}
            )
        if synced:
            record("reminder.sync", actor=WORKER, object_type="reminder", detail={"count": synced})
    return Enqueued(created, synced)


def _create_due(kind: str, lead: timedelta, now: datetime) -> int:
    has_one = Reminder.objects.filter(appointment_id=OuterRef("pk"), kind=kind)
    opted_out = ReminderPreference.objects.filter(
        patient_id=OuterRef("patient_id"), email_opt_out=True
    )
    due = list(
        Appointment.objects.filter(
            status__in=UPCOMING, starts_at__gt=now, starts_at__lte=now + lead
        )
        .exclude(patient__email="")
        .filter(~Exists(has_one), ~Exists(opted_out))
        .values_list("pk", "patient_id", "starts_at", "patient__email")
        .order_by()
    )
    created = 0
    for first in range(0, len(due), INSERT_BATCH):
        rows = [
            Reminder(
                id=uuid4(),
                appointment_id=appointment_id,
                patient_id=patient_id,
                kind=kind,
                starts_at=starts_at,
                due_at=starts_at - lead,
                recipient=email,
            )
            for appointment_id, patient_id, starts_at, email in due[first : first + INSERT_BATCH]
        ]
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        created += Reminder.objects.filter(pk__in=[r.id for r in rows]).count()
    return created


def sync_pending(now: datetime) -> int:
    """Cancel, re-time or re-address pending reminders whose appointment or patient changed."""
    # An address added since a reminder was stopped for lack of one: it was never sent, so it
    # waits again (and meets the checks below). Its due time is within the longest lead of its
    # start, which keeps this a range scan of the (status, due_at) index.
    changed = (
        Reminder.objects.filter(
            status=Status.CANCELLED,
            cancel_reason=CancelReason.NO_EMAIL,
            due_at__gt=now - config.MAX_LEAD,
            starts_at__gt=now,
        )
        .exclude(patient__email="")
        .update(status=Status.PENDING, cancel_reason="")
    )
    pending = Reminder.objects.filter(status=Status.PENDING)
    changed += _cancel(
        pending.exclude(appointment__status__in=UPCOMING), CancelReason.APPOINTMENT_NOT_UPCOMING
    )
    changed += _cancel(
        pending.filter(patient__reminder_preference__email_opt_out=True), CancelReason.OPTED_OUT
    )
    changed += _cancel(pending.filter(patient__email=""), CancelReason.NO_EMAIL)
    changed += pending.exclude(recipient=F("patient__email")).update(
        recipient=Subquery(Patient.objects.filter(pk=OuterRef("patient_id")).values("email")[:1])
    )
    moved = pending.exclude(appointment__starts_at=F("starts_at")).values_list(
        "pk", "starts_at", "due_at", "appointment__starts_at"
    )
    for pk, old_start, old_due, new_start in list(moved):
        # Keep the reminder's own lead time (the setting may have changed since it was made).
        changed += Reminder.objects.filter(
            pk=pk, status=Status.PENDING, starts_at=old_start
        ).update(starts_at=new_start, due_at=new_start - (old_start - old_due))
    changed += _cancel(pending.filter(starts_at__lte=now), CancelReason.APPOINTMENT_PASSED)
    return changed


def _cancel(rows: QuerySet[Reminder], reason: str) -> int:
    return rows.update(
        status=Status.CANCELLED, cancel_reason=reason, claimed_by="", lease_until=None
    )


# ---- claim, send, settle -------------------------------------------------------------------


def claim(worker: str, now: datetime, limit: int) -> list[UUID]:
    """Reserve up to `limit` due reminders for this worker (still pending: nothing sent yet)."""
    lapsed = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    ready = Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(lapsed, ready, status=Status.PENDING, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Reminder.objects.filter(pk__in=ids, status=Status.PENDING).update(
                claimed_by=worker, lease_until=now + config.lease()
            )
    return ids


def begin_send(reminder_id: UUID, worker: str, now: datetime) -> Letter | None:
    """Check the reminder against the appointment and patient as they are now, then mark it
    `sending` (the point of no return) and return what to say; None if it is not to be sent.

    Cancelled here: the appointment is no longer upcoming or has started, the patient opted
    out or has no address. Re-timed and released: the appointment moved later than the
    reminder's time. The address is the patient's current one.
    """
    opted_out = ReminderPreference.objects.filter(
        patient_id=OuterRef("patient_id"), email_opt_out=True
    )
    with durable_transaction():
        row = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("appointment", "patient")
            .annotate(opted_out=Exists(opted_out))
            .filter(pk=reminder_id, status=Status.PENDING, claimed_by=worker)
            .first()
        )
        if row is None:  # cancelled meanwhile, or the claim lapsed and another worker has it
            return None
        appointment, patient = row.appointment, row.patient
        reason = _cancel_reason(appointment, patient.email, row.opted_out, now)  # type: ignore[attr-defined]
        mine = Reminder.objects.filter(pk=row.pk, status=Status.PENDING, claimed_by=worker)
        if reason:
            _cancel(mine, reason)
            _audit("reminder.cancel", row, Status.CANCELLED, codes=[reason])
            return None
        if appointment.starts_at != row.starts_at:
            due = appointment.starts_at - (row.starts_at - row.due_at)
            if due > now:  # moved later: not due yet
                mine.update(
                    starts_at=appointment.starts_at, due_at=due, claimed_by="", lease_until=None
                )
                return None
            row.due_at = due
        mine.update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            lease_until=now + config.lease(),
            recipient=patient.email,
            starts_at=appointment.starts_at,
            due_at=row.due_at,
        )
    return Letter(
        reminder_id=row.pk,
        appointment_id=appointment.pk,
        patient_id=patient.pk,
        kind=row.kind,
        recipient=patient.email,
        given_name=patient.given_name,
        starts_at=appointment.starts_at,
        duration_minutes=appointment.duration_minutes,
        site=appointment.clinic,
    )


@contextmanager
def durable_transaction() -> Iterator[None]:
    """A transaction whose commit is on disk when it returns, even if the host loses power.

    The pending → sending commit is the promise "never again"; if a power cut could undo it,
    the message would be sent a second time. PostgreSQL's default (synchronous_commit = on)
    already flushes; SQLite runs at synchronous=NORMAL (settings), which may lose the last
    commits on a power cut, so this one runs at FULL (one fsync per message handed over).
    The sending → sent commit is left lazy: losing it leaves `uncertain`, which is safe.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        (level,) = cursor.fetchone()
        cursor.execute("PRAGMA synchronous = FULL")
    try:
        with transaction.atomic():
            yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous = {int(level)}")


def _cancel_reason(appointment: Appointment, email: str, opted_out: bool, now: datetime) -> str:
    if appointment.status not in UPCOMING:
        return CancelReason.APPOINTMENT_NOT_UPCOMING
    if opted_out:
        return CancelReason.OPTED_OUT
    if not email:
        return CancelReason.NO_EMAIL
    if appointment.starts_at <= now:
        return CancelReason.APPOINTMENT_PASSED
    return ""


def mark_sent(letter: Letter, worker: str, now: datetime) -> bool:
    """The server accepted the message: record it (also over an `uncertain` a slow send got).

    This commit need not reach the disk at once (see `durable_transaction`): if the database
    host loses it, the row is still `sending` and becomes `uncertain` — never resent.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        if not Reminder.objects.filter(
            pk=letter.reminder_id,
            claimed_by=worker,
            status__in=(Status.SENDING, Status.UNCERTAIN),
        ).update(status=Status.SENT, sent_at=now, lease_until=None, last_error=""):
            return False
        row = Reminder(pk=letter.reminder_id, patient_id=letter.patient_id, kind=letter.kind)
        _audit("reminder.send", row, Status.SENT)
    return True


def mark_not_delivered(
    reminder_id: UUID, worker: str, now: datetime, code: str, *, permanent: bool
) -> str:
    """The server refused it, or it never reached the server: retry later, or fail."""
    with transaction.atomic():
        row = _mine(reminder_id, worker, (Status.SENDING,))
        if row is None:
            return ""
        spent = row.attempts >= config.max_attempts()
        if permanent or spent:
            Reminder.objects.filter(pk=row.pk).update(
                status=Status.FAILED, last_error=code, lease_until=None
            )
            _audit("reminder.fail", row, Status.FAILED)
            return Status.FAILED
        Reminder.objects.filter(pk=row.pk).update(
            status=Status.PENDING,
            last_error=code,
            retry_at=now + backoff(row.attempts),
            claimed_by="",
            lease_until=None,
        )
    return Status.PENDING


def mark_uncertain(reminder_id: UUID, worker: str, code: str) -> bool:
    """The connection broke while the server held the message: it may have been delivered."""
    with transaction.atomic():
        row = _mine(reminder_id, worker, (Status.SENDING,))
        if row is None:
            return False
        Reminder.objects.filter(pk=row.pk).update(
            status=Status.UNCERTAIN, last_error=code, lease_until=None
        )
        _audit("reminder.uncertain", row, Status.UNCERTAIN)
    return True


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the 1st, 2nd, 3rd … attempt, at most an hour."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def release(reminder_ids: Sequence[UUID], worker: str) -> int:
    """Give back claims not yet sent (a stopping worker, or an unreachable server)."""
    if not reminder_ids:
        return 0
    with transaction.atomic():
        return Reminder.objects.filter(
            pk__in=list(reminder_ids), status=Status.PENDING, claimed_by=worker
        ).update(claimed_by="", lease_until=None)


def expire_leases(now: datetime) -> int:
    """Sends whose worker vanished become `uncertain` (never resent); lapsed claims need nothing."""
    with transaction.atomic():
        stale = list(
            Reminder.objects.filter(status=Status.SENDING, lease_until__lt=now).only(
                "pk", "patient_id", "kind"
            )
        )
        for row in stale:
            if Reminder.objects.filter(
                pk=row.pk, status=Status.SENDING, lease_until__lt=now
            ).update(status=Status.UNCERTAIN, last_error="lease_expired", lease_until=None):
                _audit("reminder.uncertain", row, Status.UNCERTAIN)
    return len(stale)


def idle(now: datetime) -> bool:
    """Nothing to do now or after a lease lapses (reminders waiting for a retry time aside)."""
    ready = Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    return not Reminder.objects.filter(
        Q(status=Status.SENDING) | (Q(status=Status.PENDING, due_at__lte=now) & ready)
    ).exists()


def _mine(reminder_id: UUID, worker: str, statuses: Sequence[str]) -> Reminder | None:
    return (
        Reminder.objects.select_for_update()
        .filter(pk=reminder_id, claimed_by=worker, status__in=statuses)
        .only("pk", "patient_id", "kind", "attempts")
        .first()
    )


def _audit(
    action: str, row: Reminder, status: str, codes: Sequence[str] = (), actor: object = WORKER
) -> None:
    detail: dict[str, object] = {"kind": row.kind, "status": status}
    if codes:
        detail["codes"] = list(codes)
    record(
        action,
        actor=actor,
        object_type="reminder",
        object_id=row.pk,
        patient_id=row.patient_id,
        detail=detail,
    )


# ---- reads and manual resolution -----------------------------------------------------------


def counts() -> dict[str, int]:
    """Reminders per status, every status present (0 when none)."""
    found = dict(
        Reminder.objects.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {s.value: found.get(s.value, 0) for s in Status}


def resolve(reminder: Reminder, *, by: User, delivered: bool) -> Reminder:
    """A person settles an uncertain reminder (after checking the mail server's log for its
    Message-ID), or sends a failed one again (after fixing its address)."""
    require_role(by, RESOLVE_ROLES, "settle reminders")
    with transaction.atomic():
        row = Reminder.objects.select_for_update().get(pk=reminder.pk)
        if row.status not in (Status.UNCERTAIN, Status.FAILED) or (
            delivered and row.status != Status.UNCERTAIN
        ):
            raise Conflict(f"This reminder is {row.status}; it cannot be settled that way.")
        if delivered:
            row.status, row.sent_at = Status.SENT, row.sent_at or timezone.now()
        else:
            row.status, row.retry_at, row.claimed_by, row.lease_until = (
                Status.PENDING,
                None,
                "",
                None,
            )
            row.attempts = 0
        row.save(
            update_fields=["status", "sent_at", "retry_at", "claimed_by", "lease_until", "attempts"]
        )
        _audit("reminder.resolve", row, row.status, actor=by)
    return row
