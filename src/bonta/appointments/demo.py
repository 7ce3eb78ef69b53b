"""Demo appointments (for `bonta.demo`): the calendar of a busy clinic around today.

Past week: the demo's signed sessions of the last 7 days become attended appointments. Next six
weeks: most patients whose next cycle or touch-up falls due are booked on that day (a weekend
moves to Monday) at a free quarter hour between 09:00 and 17:00 clinic time; new cosmetic
patients get their review with the nurse; some other patients come for a consultation in the
weeks shown (attended or a no-show if already past; a few moved or cancelled). Some due patients
are left unbooked, so the recall list has work on it. A clinician is never double-booked (the
booking service's rule).
Its own random stream, so the rest of the demo clinic stays as it was.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from bonta.appointments.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    ReasonCode,
)
from bonta.domain.pathways import Pathway

HORIZON = timedelta(weeks=6)
BOOKED_SHARE = 0.8
CONSULTATION_SHARE = 0.6
REVIEW_AFTER = timedelta(weeks=2)  # the scheduling core's default review (clinic policy)
MINUTES = {
    AppointmentKind.REVIEW: 15,
    AppointmentKind.CYCLE: 30,
    AppointmentKind.TOUCH_UP: 30,
    AppointmentKind.CONSULTATION: 30,
}
QUARTERS = [(h, m) for h in range(9, 17) for m in (0, 15, 30, 45)]


class Calendar:
    def __init__(self, seed: int, today: date, nurse: Any = None) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - seeded demo data, not a secret
        self.today = today
        self.nurse = nurse  # sees some of the consultations
        self.taken: dict[tuple[Any, date], list[tuple[int, int]]] = {}
        self.full: set[tuple[Any, date]] = set()  # no free half hour left (big demos fill up)

    def attended(self, patient: Any, encounter: Any) -> list[Appointment]:
        """The visit of a session signed in the last week, as an attended appointment."""
        at = timezone.localtime(encounter.at, timezone.get_default_timezone())
        if not self.today - timedelta(days=7) <= at.date() < self.today:
            return []
        kind = AppointmentKind.CYCLE if encounter.pathway == Pathway.CHRONIC_MIGRAINE else None
        kind = kind or AppointmentKind.TOUCH_UP
        if not self._take(encounter.clinician, at.date(), at.hour * 60 + at.minute, MINUTES[kind]):
            return []
        clinician = encounter.clinician
        seen = self._appointment(patient, clinician, encounter.pathway, kind, encounter.at)
        seen.status = AppointmentStatus.ATTENDED
        return [seen]

    def next_visit(
        self, patient: Any, pathway: Pathway, due: date, clinician: Any
    ) -> list[Appointment]:
        """The next cycle or touch-up, booked on its due day if that is in the next six weeks;
        else, for some patients, a consultation somewhere in the shown weeks."""
        kind = AppointmentKind.CYCLE if pathway is Pathway.CHRONIC_MIGRAINE else None
        if self.today <= due < self.today + HORIZON:
            return self._book(patient, pathway, kind or AppointmentKind.TOUCH_UP, due, clinician)
        if self.rng.random() > CONSULTATION_SHARE:
            return []
        day = self.today + timedelta(days=self.rng.randrange(-7, HORIZON.days))
        if self.nurse is not None and self.rng.random() < 0.3:
            clinician = self.nurse
        return self._book(patient, pathway, AppointmentKind.CONSULTATION, day, clinician)

    def review(self, patient: Any, encounters: Sequence[Any], nurse: Any) -> list[Appointment]:
        """A new cosmetic patient's review with the nurse, two weeks after their only session."""
        if len(encounters) != 1:
            return []
        tz = timezone.get_default_timezone()
        due = timezone.localtime(encounters[0].at, tz).date() + REVIEW_AFTER
        if not self.today - timedelta(days=7) <= due < self.today + HORIZON:
            return []
        return self._book(patient, Pathway.COSMETIC, AppointmentKind.REVIEW, due, nurse)

    def _book(
        self, patient: Any, pathway: Pathway, kind: str, due: date, clinician: Any
    ) -> list[Appointment]:
        if self.rng.random() > BOOKED_SHARE:
            return []
        if due.weekday() >= 5:  # the clinic is closed at weekends: the Friday or the Monday
            friday = due + timedelta(days=4 - due.weekday())
            monday = due + timedelta(days=7 - due.weekday())
            # never before the calendar's first week (a Sunday a week ago: the Monday)
            earliest = self.today - timedelta(days=7)
            due = self.rng.choice([friday, monday]) if friday >= earliest else monday
        day = due
        if (clinician.pk, day) in self.full:
            return []
        minutes = MINUTES[kind]  # type: ignore[index]
        for hour, minute in self.rng.sample(QUARTERS, len(QUARTERS)):
            if self._take(clinician, day, hour * 60 + minute, minutes):
                tz = timezone.get_default_timezone()
                at = timezone.make_aware(datetime.combine(day, time(hour, minute)), tz)
                booked = self._appointment(patient, clinician, pathway.value, kind, at)
                self._settle(booked, day)
                return [booked]
        self.full.add((clinician.pk, day))
        return []

    def _settle(self, appointment: Appointment, day: date) -> None:
        """Past days: attended or a no-show. Later: a few moved or cancelled, with a reason."""
        roll = self.rng.random()
        if day < self.today:
            no_show = roll < 0.08
            appointment.status = (
                AppointmentStatus.NO_SHOW if no_show else AppointmentStatus.ATTENDED
            )
        elif roll < 0.05:
            appointment.status = AppointmentStatus.MOVED
            appointment.reason_code = ReasonCode.PATIENT_REQUEST
        elif roll < 0.09:
            appointment.status = AppointmentStatus.CANCELLED
            appointment.reason_code = self.rng.choice(list(ReasonCode))

    def _take(self, clinician: Any, day: date, start: int, minutes: int) -> bool:
        busy = self.taken.setdefault((clinician.pk, day), [])
        if any(start < end and begin < start + minutes for begin, end in busy):
            return False
        busy.append((start, start + minutes))
        return True

    @staticmethod
    def _appointment(
        patient: Any, clinician: Any, pathway: str, kind: str, at: datetime
    ) -> Appointment:
        return Appointment(
            patient=patient,
            clinician=clinician,
            pathway=pathway,
            kind=kind,
            starts_at=at,
            duration_minutes=MINUTES[kind],  # type: ignore[index]
        )


def save(appointments: list[Appointment]) -> None:
    if appointments:
        Appointment.objects.bulk_create(appointments, batch_size=2000)
