"""Opting out of reminder e-mails: by the patient's signed link, or by staff on the chart.

Opting out cancels the patient's pending reminders in the same transaction (opting in again
restores them); the worker also re-checks the preference just before each send. Both writes
are audited; repeating one changes nothing and writes nothing (idempotent).
"""

from __future__ import annotations

from uuid import UUID

from django.core import signing
from django.db import transaction
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.records.errors import NotFound
from bonta.records.models import Patient
from bonta.records.services._common import ANY_STAFF, require_role
from bonta.reminders.models import CancelReason, Reminder, ReminderPreference, ReminderStatus

_SALT = "bonta.reminders.opt-out"


def opt_out_token(reminder_id: UUID) -> str:
    """The signed token in a reminder's opt-out link: the reminder id, never the patient's."""
    return signing.Signer(salt=_SALT).sign(reminder_id.hex)


def reminder_for_token(token: str) -> Reminder:
    """The reminder a link was sent with; NotFound for a forged, altered or unknown token."""
    try:
        reminder_hex = signing.Signer(salt=_SALT).unsign(token)
        return Reminder.objects.get(pk=UUID(hex=reminder_hex))
    except (signing.BadSignature, ValueError, Reminder.DoesNotExist):
        raise NotFound("This opt-out link is not valid.") from None


def is_opted_out(patient_id: UUID) -> bool:
    return ReminderPreference.objects.filter(patient_id=patient_id, email_opt_out=True).exists()


def opt_out_by_link(token: str) -> bool:
    """Record the opt-out of the patient a reminder went to; True if this changed anything."""
    reminder = reminder_for_token(token)
    with transaction.atomic():
        changed = _set(reminder.patient_id, opted_out=True)
        if changed:
            record(
                "reminder.opt_out_link",
                actor=None,
                object_type="reminder",
                object_id=reminder.pk,
                patient_id=reminder.patient_id,
                detail={"status": "opted_out", "count": changed - 1},
            )
    return bool(changed)


def set_email_opt_out(patient: Patient, *, opted_out: bool, by: User) -> bool:
    """Staff record the patient's choice; True if this changed anything."""
    require_role(by, ANY_STAFF, "change reminder preferences")
    if not isinstance(opted_out, bool):
        raise TypeError("opted_out must be a bool")
    with transaction.atomic():
        changed = _set(patient.pk, opted_out=opted_out)
        if changed:
            record(
                "reminder.preference",
                actor=by,
                object_type="patient",
                object_id=patient.pk,
                patient_id=patient.pk,
                detail={"status": "opted_out" if opted_out else "opted_in", "count": changed - 1},
            )
    return bool(changed)


def _set(patient_id: UUID, *, opted_out: bool) -> int:
    """0 if nothing changed, else 1 + the number of reminders cancelled (or restored)."""
    preference = (
        ReminderPreference.objects.select_for_update().filter(patient_id=patient_id).first()
    )
    if (preference.email_opt_out if preference else False) == opted_out:
        return 0  # no row means "receives reminders": opting in needs no row
    if preference is None:
        # Two simultaneous first opt-outs: the loser fails on the primary key, then sees the row.
        preference, _ = ReminderPreference.objects.get_or_create(patient_id=patient_id)
        if preference.email_opt_out:
            return 0
    preference.email_opt_out = opted_out
    preference.opted_out_at = timezone.now() if opted_out else None
    preference.save(update_fields=["email_opt_out", "opted_out_at", "updated_at"])
    if opted_out:
        touched = Reminder.objects.filter(
            patient_id=patient_id, status=ReminderStatus.PENDING
        ).update(
            status=ReminderStatus.CANCELLED,
            cancel_reason=CancelReason.OPTED_OUT,
            claimed_by="",
            lease_until=None,
        )
    else:
        # Reminders this opt-out stopped were never sent: they wait again (the worker's
        # re-sync cancels those whose appointment has meanwhile passed or been cancelled).
        touched = Reminder.objects.filter(
            patient_id=patient_id,
            status=ReminderStatus.CANCELLED,
            cancel_reason=CancelReason.OPTED_OUT,
        ).update(status=ReminderStatus.PENDING, cancel_reason="")
    return 1 + touched
