"""The reminder outbox and each patient's reminder preference.

A `Reminder` is one e-mail about one appointment, of one kind; the UNIQUE (appointment, kind)
constraint is what makes enqueueing idempotent, however often and by however many workers it
runs. Its life:

    pending ──claim (lease)──► pending, claimed_by set ──begin send──► sending ──► sent
       │                                                                  │  ├──► failed  (5xx,
       ├──► cancelled (appointment moved past / cancelled, opted out)     │  │   or retries spent)
       │                                                                  │  └──► pending (4xx:
       │                                                                  │       retry later)
       │                                                                  └──► uncertain
    A claim only reserves: a pending row whose worker died is claimed again when its lease
    ends (it was never handed to the SMTP server). A `sending` row whose worker died may or
    may not have been delivered: it becomes `uncertain` and waits for a person (never resent
    automatically: that is how duplicates happen).

Error and cancel reasons are codes, never server text or addresses (they reach logs and pages).
"""

from __future__ import annotations

from django.db import models

from bonta.appointments.models import Appointment
from bonta.records.models import Patient
from bonta.records.models.base import uuid_pk


class ReminderKind(models.TextChoices):
    # How long before the start it is sent is the clinic's setting (BONTA_REMINDER_HOURS_BEFORE),
    # not a clinical fact.
    ADVANCE = "advance", "Advance reminder"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    UNCERTAIN = "uncertain", "Uncertain: check by hand"


class CancelReason(models.TextChoices):
    APPOINTMENT_NOT_UPCOMING = "appointment_not_upcoming", "Appointment cancelled or closed"
    APPOINTMENT_PASSED = "appointment_passed", "Appointment already started"
    OPTED_OUT = "opted_out", "Patient opted out"
    NO_EMAIL = "no_email", "No e-mail address on file"


class Reminder(models.Model):
    id = uuid_pk()  # also the Message-ID's left part: stable across retries
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="reminders")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    status = models.CharField(
        max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    # The appointment start this reminder is timed for; a move shows as a difference.
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    recipient = models.EmailField()  # the patient's address when enqueued (kept current)
    attempts = models.PositiveSmallIntegerField(default=0)  # hand-overs to the SMTP server
    retry_at = models.DateTimeField(null=True, blank=True)  # after a temporary (4xx) refusal
    last_error = models.CharField(max_length=32, blank=True)
    cancel_reason = models.CharField(max_length=32, choices=CancelReason.choices, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)  # worker id: host:pid:random
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("due_at",)
        constraints = (
            models.UniqueConstraint(
                fields=["appointment", "kind"], name="reminder_one_per_appointment_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReminderStatus.values), name="reminder_status_known"
            ),
        )
        indexes = (
            # The worker's claim: due pending rows, oldest first; the outbox page's counts.
            models.Index(fields=["status", "due_at"], name="reminder_status_due"),
        )

    def __str__(self) -> str:
        return f"reminder {self.id} ({self.kind}, {self.status})"  # never the address


class ReminderPreference(models.Model):
    """Whether a patient receives reminder e-mails; no row means yes (the default)."""

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, primary_key=True, related_name="reminder_preference"
    )
    email_opt_out = models.BooleanField(default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"reminder preference of patient {self.patient_id}"
