"""Book, move, cancel, mark a no-show or attended.

A clinician cannot be in two appointments at once: any non-cancelled appointment (booked,
moved, attended, no-show) blocks its time. Back-to-back is allowed: an appointment ending at
10:00 and one starting at 10:00 do not overlap (half-open intervals).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from bonta.accounts.models import User
from bonta.appointments.errors import ClinicianDoubleBooked, StartInPast
from bonta.appointments.models import (
    UPCOMING,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    ReasonCode,
)
from bonta.audit.log import record
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.records.errors import Conflict
from bonta.records.models import Patient
from bonta.records.services._common import (
    ANY_STAFF,
    CLINICAL_WRITE,
    aware,
    choice,
    require_role,
)
from bonta.records.services._common import pathway as parse_pathway
from bonta.records.snapshots import local_date

MAX_DURATION_MINUTES = 8 * 60  # also bounds the overlap query's look-back
# A kind that belongs to one pathway only (a cosmetic touch-up is not a migraine cycle).
KIND_PATHWAY = {
    AppointmentKind.CYCLE: Pathway.CHRONIC_MIGRAINE,
    AppointmentKind.TOUCH_UP: Pathway.COSMETIC,
}


def now() -> datetime:
    """The clock the booking rules read (tests replace it)."""
    return timezone.now()


def book_appointment(
    patient: Patient,
    *,
    by: User,
    clinician: User,
    pathway: str,
    kind: str,
    starts_at: datetime,
    duration_minutes: int,
    clinic: str = "",
    reason_code: str = "",
) -> Appointment:
    """Book a visit: a start from now on, a free slot for the clinician; nothing else written."""
    require_role(by, ANY_STAFF, "book appointments")
    appointment = Appointment(
        patient=patient,
        clinician=_clinician(clinician),
        pathway=parse_pathway(pathway).value,
        kind=_kind(kind, pathway),
        clinic=_clinic(clinic),
        starts_at=aware(starts_at, "starts_at"),
        duration_minutes=_minutes(duration_minutes),
        reason_code=_reason(reason_code, required=False),
    )
    _not_in_past(appointment.starts_at)
    with transaction.atomic():
        _lock_clinician(clinician)
        _check_free(appointment)
        appointment.save(force_insert=True)
        _audit("appointment.book", appointment, by)
    return appointment


def move_appointment(
    appointment: Appointment,
    *,
    by: User,
    starts_at: datetime,
    duration_minutes: int | None = None,
    clinician: User | None = None,
    reason_code: str = "",
) -> Appointment:
    """Move an upcoming appointment to a new start (and optionally length or clinician)."""
    require_role(by, ANY_STAFF, "move appointments")
    start = aware(starts_at, "starts_at")
    minutes = None if duration_minutes is None else _minutes(duration_minutes)
    who = None if clinician is None else _clinician(clinician)
    reason = _reason(reason_code, required=False)
    _not_in_past(start)
    with transaction.atomic():
        locked = _locked_upcoming(appointment, "move")
        locked.starts_at = start
        locked.duration_minutes = minutes or locked.duration_minutes
        locked.clinician = who or locked.clinician
        locked.status = AppointmentStatus.MOVED
        locked.reason_code = reason
        _lock_clinician(locked.clinician)
        _check_free(locked)
        locked.save(
            update_fields=[
                "starts_at",
                "duration_minutes",
                "clinician",
                "status",
                "reason_code",
                "updated_at",
            ]
        )
        _audit("appointment.move", locked, by)
    return locked


def cancel_appointment(appointment: Appointment, *, by: User, reason_code: str) -> Appointment:
    """Cancel an upcoming appointment, with a reason code; its time is free again."""
    require_role(by, ANY_STAFF, "cancel appointments")
    reason = _reason(reason_code, required=True)
    with transaction.atomic():
        locked = _locked_upcoming(appointment, "cancel")
        locked.status = AppointmentStatus.CANCELLED
        locked.reason_code = reason
        locked.save(update_fields=["status", "reason_code", "updated_at"])
        _audit("appointment.cancel", locked, by)
    return locked


def mark_no_show(appointment: Appointment, *, by: User) -> Appointment:
    """Record that the patient did not come; only once the appointment has started."""
    require_role(by, ANY_STAFF, "record no-shows")
    with transaction.atomic():
        locked = _locked_upcoming(appointment, "mark as a no-show")
        if locked.starts_at > now():
            raise Conflict("This appointment has not started yet; it cannot be a no-show.")
        locked.status = AppointmentStatus.NO_SHOW
        locked.save(update_fields=["status", "updated_at"])
        _audit("appointment.no_show", locked, by)
    return locked


def mark_attended(appointment: Appointment, *, by: User) -> Appointment:
    """Record that the visit took place; from its local day on (an early arrival counts)."""
    require_role(by, ANY_STAFF, "record attendance")
    with transaction.atomic():
        locked = _locked_upcoming(appointment, "be marked attended")
        if local_date(locked.starts_at) > local_date(now()):
            raise Conflict(
                "This appointment is on a later day; it can be marked attended from that day on."
            )
        locked.status = AppointmentStatus.ATTENDED
        locked.save(update_fields=["status", "updated_at"])
        _audit("appointment.attend", locked, by)
    return locked


# ---- rules ---------------------------------------------------------------------------------


def _not_in_past(start: datetime) -> None:
    current = now()
    if start < current:  # a start exactly now is allowed (walk-in)
        raise StartInPast(start, current)


def _check_free(appointment: Appointment) -> None:
    """Refuse an overlap with any of the clinician's non-cancelled appointments."""
    start = appointment.starts_at
    end = start + timedelta(minutes=appointment.duration_minutes)
    nearby = (
        Appointment.objects.filter(
            clinician_id=appointment.clinician_id,
            starts_at__gt=start - timedelta(minutes=MAX_DURATION_MINUTES),
            starts_at__lt=end,
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .exclude(pk=appointment.pk)
        .values_list("starts_at", "duration_minutes")
        .order_by("starts_at")
    )
    for other_start, other_minutes in nearby:
        if other_start + timedelta(minutes=other_minutes) > start:
            raise ClinicianDoubleBooked(start, other_start, other_minutes)


def _lock_clinician(clinician: User) -> None:
    # The clinician's row is the lock: two bookings for one clinician cannot both pass the
    # overlap check (SQLite's IMMEDIATE transaction already serialises writers).
    User.objects.select_for_update().filter(pk=clinician.pk).exists()


def _locked_upcoming(appointment: Appointment, action: str) -> Appointment:
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.status not in UPCOMING:
        raise Conflict(f"This appointment is {locked.status}; it cannot {action}.")
    return locked


def _clinician(user: User) -> User:
    if not user.is_active or user.role not in CLINICAL_WRITE:
        raise InvalidInput("clinician", "must be an active clinician or nurse")
    return user


def _kind(value: object, pathway: str) -> str:
    kind = choice(value, AppointmentKind, "kind")
    only = KIND_PATHWAY.get(AppointmentKind(kind))
    if only is not None and only.value != pathway:
        raise InvalidInput("kind", f"a {kind} appointment is on the {only.value} pathway only")
    return kind


def _minutes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("duration_minutes", "must be a whole number of minutes")
    if not 5 <= value <= MAX_DURATION_MINUTES:
        raise InvalidInput("duration_minutes", f"must be 5 to {MAX_DURATION_MINUTES} minutes")
    return value


def _clinic(value: object) -> str:
    code = str(value or "").strip()
    if len(code) > 64:
        raise InvalidInput("clinic", "must be at most 64 characters")
    return code


def _reason(value: object, *, required: bool) -> str:
    if not value:
        if required:
            raise InvalidInput("reason_code", "is required")
        return ""
    return choice(value, ReasonCode, "reason_code")


def _audit(action: str, appointment: Appointment, by: User) -> None:
    record(
        action,
        actor=by,
        object_type="appointment",
        object_id=appointment.pk,
        patient_id=appointment.patient_id,
        detail={
            "kind": appointment.kind,
            "pathway": appointment.pathway,
            "status": appointment.status,
        },
    )
