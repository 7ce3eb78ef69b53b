"""What the portal shows a patient of their own diary: today, missing days, recent days and
headache days per 28-day period. Reads are audited with the patient's portal user as actor.

Counting is the domain's (`bonta.domain.headache.periods`): the same 28-day periods, anchored on
the first injection, that the clinic's diary page shows. Days with no entry are listed as
missing, never counted as headache-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.headache.days import DiaryDay
from bonta.domain.headache.periods import Period, diary_from, period_days, periods
from bonta.domain.pathways import Pathway
from bonta.migraine.models import DiaryEntry, QuestionnaireResponse
from bonta.migraine.services import diary_days, injection_dates
from bonta.records.errors import NotAllowed
from bonta.records.models import Patient

RECENT_DAYS_SHOWN = 14
PERIODS_SHOWN = 6


@dataclass(frozen=True, slots=True)
class DiaryOverview:
    today: date
    today_entry: DiaryDay | None
    selected: DiaryDay | None  # the entry for the date being recorded, if any
    missing: tuple[date, ...]  # earlier days of the last 28 with no entry, newest first
    recent: tuple[DiaryDay, ...]  # the latest recorded days, newest first
    periods: tuple[Period, ...]  # the latest 28-day periods, newest first


def own_patient(user: User) -> Patient:
    """The patient whose portal account `user` is; NotAllowed for anyone else."""
    from bonta.records.actors import patient_of

    patient = patient_of(user)
    if patient is None:
        raise NotAllowed("Only a patient signed in to the portal may see this.")
    return patient


def audit_view(user: User, patient: Patient, kind: str) -> None:
    """One audit event for a portal page showing the patient's data (call inside atomic)."""
    record(
        "portal.view",
        actor=user,
        object_type="patient",
        object_id=patient.pk,
        patient_id=patient.pk,
        detail={"kind": kind},
    )


def audit_home(user: User) -> Patient:
    """Audit the portal home page of a patient who keeps no diary (consents, check-ins)."""
    patient = own_patient(user)
    with transaction.atomic():
        audit_view(user, patient, "home")
    return patient


def diary_overview(
    user: User, today: date, *, on: date | None = None, kind: str = "diary"
) -> DiaryOverview:
    """The signed-in patient's diary as of `today` (the clinic's local date), with the entry
    for date `on` (default today) to correct it: an audited read."""
    patient = own_patient(user)
    with transaction.atomic():
        days = diary_days(patient)
        injections = tuple(d for d in injection_dates(patient) if d <= today)
        audit_view(user, patient, kind)
    lived = [d for d in days if d.on <= today]
    by_date = {d.on: d for d in lived}
    window = [today - timedelta(days=n) for n in range(1, period_days())]
    shown = periods(diary_from(lived, injections, today))
    return DiaryOverview(
        today=today,
        today_entry=by_date.get(today),
        selected=by_date.get(on or today),
        missing=tuple(on for on in window if on not in by_date),
        recent=tuple(reversed(lived[-RECENT_DAYS_SHOWN:])),
        periods=tuple(reversed(shown[-PERIODS_SHOWN:])),
    )


def keeps_headache_diary(patient: Patient) -> bool:
    """Whether the portal offers the headache diary: a chronic-migraine course, or a diary."""
    return (
        patient.courses.filter(pathway=Pathway.CHRONIC_MIGRAINE.value).exists()
        or DiaryEntry.objects.filter(patient=patient).exists()
        or QuestionnaireResponse.objects.filter(patient=patient).exists()
    )


def latest_questionnaires(patient: Patient) -> dict[str, QuestionnaireResponse]:
    """The newest response per instrument (code → response)."""
    latest: dict[str, QuestionnaireResponse] = {}
    for response in QuestionnaireResponse.objects.filter(patient=patient).order_by(
        "-completed_on", "-created_at"
    ):
        latest.setdefault(response.instrument, response)
    return latest
