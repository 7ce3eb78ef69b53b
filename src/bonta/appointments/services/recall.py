"""Who is due in the next N days: booked appointments, and patients Bonta proposes to recall.

`recall_list(on, days)` covers the local dates `on` … `on + days - 1` (`days` of them) and reads
in a fixed number of queries whatever the number of patients:

1. upcoming (booked or moved) appointments starting in the window;
2. each patient's last signed encounter per pathway whose session date lies in a *candidate
   band*, for patients with no upcoming appointment from `on` on;
3. and 4. signed and external history, only for candidates whose review could fall in the
   window (a review depends on whether the session was the first in its area).

The candidate bands are derived from the domain (`bonta.domain.scheduling.next_visits` on a
reference date, per pathway and product, widened by `MONTH_SLACK_DAYS` for calendar months), so
the SQL only narrows; each candidate's proposal is the domain's own answer, memoised per call on
(session, area history): candidates sharing a session date, product and area cost one call.
A candidate outside the review band gets an empty history: its review (if any) falls outside
the window, and the treatment window reads history only through wear-off dates, which Bonta
does not store yet (see `proposals`). Once it does, load history for every candidate.

A patient is proposed when their first proposed visit in the window — the review, else the
recommended date of the next cycle or touch-up — falls in it; overdue patients (recommended
date before `on`) are not on this list. Products with no label interval get no proposal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bonta.accounts.models import User
from bonta.appointments.models import UPCOMING, Appointment, AppointmentKind
from bonta.appointments.services.proposals import area_history, areas_of
from bonta.audit.log import record
from bonta.domain.anatomy import areas
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.domain.products import products_for
from bonta.domain.scheduling import AreaTreatment, NextVisits, SignedSession, next_visits
from bonta.records.models import Administration, Encounter, EncounterStatus, ExternalAdministration
from bonta.records.services._common import ANY_STAFF, require_role
from bonta.records.snapshots import CodeList, external_muscles, local_date

MAX_DAYS = 366
MONTH_SLACK_DAYS = 3  # a month is 28–31 days: widen the SQL band, the domain then decides
REFERENCE_DAY = date(2001, 1, 1)


@dataclass(frozen=True)
class RecallEntry:
    """One patient due on one pathway: a booked appointment, or a proposed visit (unbooked)."""

    patient_id: UUID
    record_number: str
    given_name: str
    family_name: str
    due_on: date
    pathway: str
    kind: str
    booked: bool
    appointment_id: UUID | None = None
    areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Band:
    """Days from a session to its proposed visits, over every area of one pathway and product."""

    nearest: int
    farthest: int
    review: tuple[int, int] | None  # the same for reviews alone, if any are proposed


def recall_list(on: date, days: int, clinic: str | None = None, *, by: User) -> list[RecallEntry]:
    """Patients due on `on` … `on + days - 1`, booked first on a day, then by family name.

    `clinic` (a site code) limits booked appointments to that site and proposals to patients
    whose latest appointment was there ("" for never booked: the default site); None: all.
    """
    require_role(by, ANY_STAFF, "see the recall list")
    if isinstance(on, datetime) or not isinstance(on, date):
        raise InvalidInput("on", "must be a calendar date (YYYY-MM-DD)")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", f"must be a whole number from 1 to {MAX_DAYS}")
    last = on + timedelta(days=days - 1)
    with transaction.atomic():
        entries = _booked(on, last, clinic) + _proposed(on, last, clinic)
        record(
            "appointment.recall_list",
            actor=by,
            object_type="appointment",
            detail={"count": len(entries)},
        )
    return sorted(entries, key=lambda e: (e.due_on, not e.booked, e.family_name, e.record_number))


def _booked(on: date, last: date, clinic: str | None) -> list[RecallEntry]:
    rows = Appointment.objects.filter(
        status__in=UPCOMING, starts_at__gte=_start_of(on), starts_at__lt=_start_of(last, 1)
    )
    if clinic is not None:
        rows = rows.filter(clinic=clinic)
    return [
        RecallEntry(
            patient_id=a.patient_id,
            record_number=a.patient.record_number,
            given_name=a.patient.given_name,
            family_name=a.patient.family_name,
            due_on=local_date(a.starts_at),
            pathway=a.pathway,
            kind=a.kind,
            booked=True,
            appointment_id=a.pk,
        )
        for a in rows.select_related("patient")
    ]


def _proposed(on: date, last: date, clinic: str | None) -> list[RecallEntry]:
    bands = candidate_bands()
    sessions = _last_sessions(on, last, clinic, bands)
    reviewable = sessions.filter(_band_filter(on, last, bands, review=True))
    history = _history(reviewable.values("patient_id"))
    memo: dict[tuple[SignedSession, tuple[AreaTreatment, ...]], NextVisits | None] = {}
    entries = []
    for _, patient_id, at, way, product, number, given, family, muscles in sessions:
        pathway = Pathway(way)
        session_on = local_date(at)
        past = [h for h in history.get(patient_id, ()) if h.on <= session_on]
        due: list[tuple[date, str, str]] = []
        for area in areas_of(pathway, muscles.split(CodeList.separator)):
            session = SignedSession(session_on, pathway, product, area)
            key = (session, area_history(area, past))
            if key not in memo:
                memo[key] = _visits(*key)
            visits = memo[key]
            if visits is not None:
                due += [
                    (d, kind, area) for d, kind in _visit_days(visits, pathway) if on <= d <= last
                ]
        if due:
            day, kind, _ = min(due)
            entries.append(
                RecallEntry(
                    patient_id=patient_id,
                    record_number=number,
                    given_name=given,
                    family_name=family,
                    due_on=day,
                    pathway=way,
                    kind=kind,
                    booked=False,
                    areas=tuple(sorted({a for d, k, a in due if (d, k) == (day, kind)})),
                )
            )
    return entries


def _last_sessions(on: date, last: date, clinic: str | None, bands: Mapping[Any, _Band]) -> Any:
    """Each patient's last signed encounter per pathway in the band, if nothing is booked."""
    later = Encounter.objects.filter(
        patient_id=OuterRef("patient_id"),
        pathway=OuterRef("pathway"),
        status=EncounterStatus.SIGNED,
        at__gt=OuterRef("at"),
    )
    upcoming = Appointment.objects.filter(
        patient_id=OuterRef("patient_id"), status__in=UPCOMING, starts_at__gte=_start_of(on)
    )
    rows = (
        Encounter.objects.filter(status=EncounterStatus.SIGNED)
        .filter(_band_filter(on, last, bands, review=False))
        .filter(~Exists(later), ~Exists(upcoming))
    )
    if clinic is not None:
        home = Appointment.objects.filter(patient_id=OuterRef("patient_id")).order_by("-starts_at")
        rows = rows.annotate(home=Coalesce(Subquery(home.values("clinic")[:1]), Value(""))).filter(
            home=clinic
        )
    return (
        rows.values_list(
            "id",
            "patient_id",
            "at",
            "pathway",
            "product",
            "patient__record_number",
            "patient__given_name",
            "patient__family_name",
        )
        .annotate(muscles=CodeList("administrations__muscle"))
        .order_by()
    )


def _history(patients: Any) -> dict[UUID, list[PastTreatment]]:
    """Signed and external treatments of these patients (a subquery), by patient."""
    rows = (
        Administration.objects.filter(
            encounter__status=EncounterStatus.SIGNED, encounter__patient_id__in=patients
        )
        .values_list(
            "encounter__patient_id",
            "encounter_id",
            "encounter__at",
            "encounter__pathway",
            "product",
        )
        .annotate(total=Sum("units"), muscles=CodeList("muscle"))
        .order_by()
    )
    found: dict[UUID, list[PastTreatment]] = defaultdict(list)
    for patient_id, _, at, way, product, total, muscles in rows:
        found[patient_id].append(
            PastTreatment(
                on=local_date(at),
                product=product,
                units=total,
                pathway=Pathway(way),
                muscles=frozenset(muscles.split(CodeList.separator)),
            )
        )
    for ext in ExternalAdministration.objects.filter(patient_id__in=patients):
        found[ext.patient_id].append(
            PastTreatment(
                on=ext.on,
                product=ext.product,
                units=ext.units,
                pathway=Pathway(ext.pathway),
                muscles=external_muscles(ext.area, ext.muscles),
                source=ext.source_system,
            )
        )
    return found


def _visits(session: SignedSession, history: tuple[AreaTreatment, ...]) -> NextVisits | None:
    try:
        return next_visits(session, history)
    except InvalidInput:  # no label interval (Dysport, Letybo), or a product off its pathway
        return None


def _visit_days(visits: NextVisits, pathway: Pathway) -> list[tuple[date, str]]:
    """The review (if any), then the treatment window's recommended date, with their kinds."""
    kind = (
        AppointmentKind.CYCLE if pathway is Pathway.CHRONIC_MIGRAINE else AppointmentKind.TOUCH_UP
    )
    days = [(visits.treatment.recommended, kind.value)]
    if visits.review is not None:
        days.insert(0, (visits.review.on, AppointmentKind.REVIEW.value))
    return days


# ---- candidate bands -----------------------------------------------------------------------


@cache
def candidate_bands() -> dict[tuple[str, str], _Band]:
    """Per (pathway, product): the nearest and farthest proposed visit after a session."""
    bands = {}
    for pathway in Pathway:
        for product in products_for(pathway):
            offsets, reviews = [], []
            for area in (a.code for a in areas().values() if a.pathway is pathway):
                visits = _visits(SignedSession(REFERENCE_DAY, pathway, product.code, area), ())
                if visits is None:
                    continue
                offsets.append((visits.treatment.recommended - REFERENCE_DAY).days)
                if visits.review is not None:
                    reviews.append((visits.review.on - REFERENCE_DAY).days)
            offsets += reviews
            if offsets:
                review = (min(reviews), max(reviews)) if reviews else None
                bands[(pathway.value, product.code)] = _Band(min(offsets), max(offsets), review)
    return bands


def _band_filter(on: date, last: date, bands: Mapping[Any, _Band], *, review: bool) -> Q:
    """Sessions whose proposed visit (or review) can fall in `on` … `last`."""
    either = Q(pk__in=[])
    for (pathway, product), band in bands.items():
        span = band.review if review else (band.nearest, band.farthest)
        if span is None:
            continue
        nearest, farthest = span
        first = on - timedelta(days=farthest + MONTH_SLACK_DAYS)
        final = last - timedelta(days=nearest - MONTH_SLACK_DAYS)
        either |= Q(
            pathway=pathway, product=product, at__gte=_start_of(first), at__lt=_start_of(final, 1)
        )
    return either


def _start_of(day: date, plus_days: int = 0) -> datetime:
    """The first instant of a local date in the clinic's time zone (DST-safe: local midnight)."""
    local = datetime.combine(day + timedelta(days=plus_days), time())
    return timezone.make_aware(local, timezone.get_default_timezone())
