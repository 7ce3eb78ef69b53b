"""The reads behind the appointments pages: a calendar range, one patient's list, one visit.

Every read of patient data is audited like the chart's: the calendar and lists by count (no
identities in `detail`), one patient's list and one appointment with the patient's id.
Dates are the clinic's local calendar dates (settings.TIME_ZONE); instants are UTC at rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bonta.accounts.models import User
from bonta.appointments.models import UPCOMING, Appointment, AppointmentStatus
from bonta.appointments.services import booking
from bonta.audit.log import record
from bonta.db.prepared import Statement, field_of
from bonta.domain.errors import InvalidInput
from bonta.records.models import Patient
from bonta.records.services._common import ANY_STAFF, CLINICAL_WRITE, load, require_role
from bonta.records.services.patients import get_patient

MAX_CALENDAR_DAYS = 7
PAST_SHOWN = 10  # the chart lists every upcoming appointment and this many past ones


@dataclass(frozen=True)
class PatientAppointments:
    upcoming: list[Appointment]
    past: list[Appointment]


def start_of(day: date) -> datetime:
    """The first instant of a local date in the clinic's time zone.

    DST: local midnight exists in zones that change at night (Europe/London changes at 01:00),
    so a calendar day is 23, 24 or 25 hours long and each appointment falls in exactly one.
    """
    return timezone.make_aware(datetime.combine(day, time()), timezone.get_default_timezone())


def calendar(
    first: date, days: int, *, by: User, clinician: User | None = None
) -> list[Appointment]:
    """Appointments starting on local days `first` … `first + days - 1`, cancelled included."""
    require_role(by, ANY_STAFF, "see the appointments calendar")
    if not 1 <= days <= MAX_CALENDAR_DAYS:
        raise InvalidInput("days", f"must be 1 to {MAX_CALENDAR_DAYS}")
    rows = Appointment.objects.filter(
        starts_at__gte=start_of(first), starts_at__lt=start_of(first + timedelta(days=days))
    ).select_related("patient", "clinician")
    if clinician is not None:
        rows = rows.filter(clinician=clinician)
    with transaction.atomic():
        found = list(rows.order_by("starts_at", "clinician__username"))
        record(
            "appointment.calendar.read",
            actor=by,
            object_type="appointment",
            detail={"count": len(found)},
        )
    return found


def _of_patient(patient_id: UUID) -> QuerySet[Appointment]:
    return Appointment.objects.filter(patient_id=patient_id).select_related("clinician")


# The chart's appointments panel, on every chart view (compiled once: bonta.db.prepared).
_UPCOMING: Statement[Appointment] = Statement(
    lambda patient_id, now: _of_patient(patient_id).filter(status__in=UPCOMING, starts_at__gte=now),
    patient_id=field_of(Appointment, "patient"),
    now=field_of(Appointment, "starts_at"),
)
_PAST: Statement[Appointment] = Statement(
    lambda patient_id, now: (
        _of_patient(patient_id)
        .exclude(status__in=UPCOMING, starts_at__gte=now)
        .order_by("-starts_at")[:PAST_SHOWN]
    ),
    patient_id=field_of(Appointment, "patient"),
    now=field_of(Appointment, "starts_at"),
)


def patient_appointments(patient: Patient, *, by: User) -> PatientAppointments:
    """A patient's upcoming appointments (soonest first) and the latest past ones."""
    require_role(by, ANY_STAFF, "see appointments")
    current = booking.now()
    with transaction.atomic():
        upcoming = _UPCOMING.run(patient_id=patient.pk, now=current)
        past = _PAST.run(patient_id=patient.pk, now=current)
        record(
            "appointment.list.read",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(upcoming) + len(past)},
        )
    return PatientAppointments(upcoming, past)


def get_appointment(appointment_id: UUID | str, *, by: User) -> Appointment:
    """One appointment with its patient and clinician; the read is audited."""
    require_role(by, ANY_STAFF, "see appointments")
    with transaction.atomic():
        found = load(Appointment, appointment_id, "appointment")
        record(
            "appointment.read",
            actor=by,
            object_type="appointment",
            object_id=found.pk,
            patient_id=found.patient_id,
            detail={"status": found.status},
        )
    return Appointment.objects.select_related("patient", "clinician").get(pk=found.pk)


def find_patient(record_number: str, *, by: User) -> Patient:
    """The patient with this record number (the booking form's way in); audited as a read."""
    require_role(by, ANY_STAFF, "view patients")
    number = str(record_number or "").strip()
    if not number:
        raise InvalidInput("record_number", "is required")
    found = Patient.objects.filter(record_number=number).values_list("pk", flat=True).first()
    if found is None:
        raise InvalidInput("record_number", f"no patient has record number {number!r}")
    return get_patient(found, by=by)  # the records service's audited read


def bookable_clinicians() -> list[User]:
    """Staff an appointment can be booked with: active clinicians and nurses (no patient data)."""
    return list(
        User.objects.filter(is_active=True, role__in=CLINICAL_WRITE).order_by("role", "username")
    )


def sites() -> list[str]:
    """The clinic site codes in use ("" is the default site), sorted (no patient data)."""
    codes = set(Appointment.objects.values_list("clinic", flat=True).distinct().order_by())
    return sorted(codes | {""})


def first_free_start(clinician: User, day: date, minutes: int, opens: int, closes: int) -> time:
    """The first quarter-hour on `day` (local) when `clinician` is free for `minutes`.

    Reads only start times and durations (no patient data). Falls back to opening time when
    the day is full; the booking service still refuses an overlap.
    """
    tz = timezone.get_default_timezone()
    busy = [
        (timezone.localtime(at, tz), timedelta(minutes=length))
        for at, length in Appointment.objects.filter(
            clinician=clinician,
            starts_at__gte=start_of(day),
            starts_at__lt=start_of(day + timedelta(days=1)),
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .values_list("starts_at", "duration_minutes")
    ]
    earliest = timezone.localtime(booking.now(), tz)
    step = timedelta(minutes=15)
    slot = timezone.make_aware(datetime.combine(day, time(opens)), tz)
    end_of_day = timezone.make_aware(datetime.combine(day, time()), tz) + timedelta(hours=closes)
    wanted = timedelta(minutes=minutes)
    while slot + wanted <= end_of_day:
        free = all(slot + wanted <= start or slot >= start + length for start, length in busy)
        if free and slot >= earliest:
            return slot.time()
        slot += step
    return time(opens)
