"""Who is due in the next N days: booked appointments, and patients Bonta proposes to recall.

`recall_list(on, days)` covers the local dates `on` … `on + days - 1` (`days` of them). A patient
is proposed when their first proposed visit in the window — the review, else the recommended
date of the next cycle or touch-up — falls in it; overdue patients (recommended date before
`on`) are not on this list, nor are patients with an upcoming appointment. Products with no
label interval get no proposal. The dates are the ones `propose_next_visits` gives: the
domain's `next_visits` over the patient's history up to the session, with the wear-off dates
reported for it (`bonta.cosmetic.services.wore_off_dates`).

It reads in a fixed number of queries whatever the number of patients (id lists go in chunks of
`CHUNK`; a longer list costs one more query per chunk):

1. upcoming (booked or moved) appointments starting in the window;
2. the candidates: each patient's last signed encounter per pathway whose session date lies in
   a *candidate band*, with its muscles, for patients with no upcoming appointment;
3. for candidates whose cosmetic review can fall in the window: their earlier cosmetic sessions'
   muscles (is this the first session in the area?);
4. imported cosmetic records of the patients read in 3. or 5.;
5. and 6. for candidates who have reported wear-off: their cosmetic sessions and wear-off dates
   (and, rarely, 7.: the muscles of a session that could have renewed an area before the date
   reported for an earlier one).

What each date depends on, and so what is read (`bonta.domain.scheduling`):
- the cycle or touch-up on the population figure or label minimum depends on the session only
  (its date, product, area): one `next_visits` call per distinct session, memoised per call;
- the review depends on whether the session is the first in its area on record; it is read
  only when the review can fall in the window;
- a touch-up with the patient's own durations depends on the days from each earlier session of
  the same product and area to its wear-off date (`observed_durations`); it is computed with the
  domain's own functions as `touch_up_window` composes them (`_personal_recommended`). The
  durations come from the wear-off reports, each for an area its session treated (the rule
  `record_wear_off` enforces), less any whose area was treated again before the reported date
  (`proposals.area_history`).
Only cosmetic records can touch a cosmetic area (`area_of` maps a muscle per pathway), and a
migraine cycle does not use history at all.

Candidate bands come from the domain (`next_visits` on a reference date per pathway, product and
area, widened by `MONTH_SLACK_DAYS` for calendar months), so the SQL only narrows: a session
whose review, or whose cycle or touch-up on the population or label figure, can fall in the
window. For a patient who has reported wear-off the band runs from the label minimum to
`personal_horizon()`, the longest population figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from bonta.accounts.models import User
from bonta.appointments.models import UPCOMING, Appointment, AppointmentKind
from bonta.appointments.services.proposals import areas_of
from bonta.audit.log import record
from bonta.cosmetic.models import WearOffReport
from bonta.cosmetic.services import wore_off_dates
from bonta.domain.anatomy import areas
from bonta.domain.duration import duration_priors, population_prior, predicted_days
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.products import get_product, products_for
from bonta.domain.scheduling import (
    DEFAULT_POLICY,
    NextVisits,
    SignedSession,
    minimum_interval,
    next_visits,
)
from bonta.records.models import (
    Administration,
    Encounter,
    EncounterStatus,
    ExternalAdministration,
)
from bonta.records.services._common import ANY_STAFF, require_role
from bonta.records.snapshots import CodeList, external_muscles, local_date

MAX_DAYS = 366
MONTH_SLACK_DAYS = 3  # a month is 28–31 days: widen the SQL band, the domain then decides
REFERENCE_DAY = date(2001, 1, 1)
CHUNK = 5000  # ids per IN list (SQLite's default limit is 32,766 variables)
COSMETIC = Pathway.COSMETIC.value


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


Span = tuple[int, int]  # days from a session: (nearest, farthest)


@dataclass(frozen=True)
class _Band:
    """Days from a session to its proposed visits, over every area of one pathway and product."""

    treatment: Span  # the cycle or touch-up on the population or label figure
    review: Span | None  # reviews, if any are proposed
    minimum: int  # the label (or clinic) minimum interval: no touch-up is proposed before it


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
            patient_id=patient_id,
            record_number=number,
            given_name=given,
            family_name=family,
            due_on=local_date(starts_at),
            pathway=pathway,
            kind=kind,
            booked=True,
            appointment_id=pk,
        )
        for pk, patient_id, starts_at, pathway, kind, number, given, family in rows.values_list(
            "id",
            "patient_id",
            "starts_at",
            "pathway",
            "kind",
            "patient__record_number",
            "patient__given_name",
            "patient__family_name",
        ).order_by()
    ]


# ---- proposals -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    patient_id: UUID
    session_on: date
    pathway: Pathway
    product: str
    areas: tuple[str, ...]
    reported: bool  # the patient has wear-off reports (personal durations may apply)
    name: tuple[str, str, str]  # record number, given name, family name


@dataclass
class _History:
    """What the dates of one patient's cosmetic candidate depend on, besides the session."""

    treated: list[tuple[date, frozenset[str]]] = field(default_factory=list)  # (on, areas)
    # (product, area) → [(treated on, wore off on)], as `area_history` attaches them
    wore_off: dict[tuple[str, str], list[tuple[date, date]]] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)  # areas the domain would refuse to schedule


def _proposed(on: date, last: date, clinic: str | None) -> list[RecallEntry]:
    bands = candidate_bands()
    candidates = _candidates(on, last, clinic, bands)
    cosmetic = [c for c in candidates if c.pathway is Pathway.COSMETIC]
    review = {
        c.patient_id: c.session_on
        for c in cosmetic
        if _in_span(bands[(COSMETIC, c.product)].review, c.session_on, on, last)
    }
    reported = {c.patient_id: c.session_on for c in cosmetic if c.reported}
    histories = _histories(review, reported)
    # (session date, pathway, product, area) → (treatment date, review date or None), from
    # `next_visits` for a first session with no durations; None when it proposes nothing.
    memo: dict[tuple[date, Pathway, str, str], tuple[date, date | None] | None] = {}
    entries = []
    for c in candidates:
        history = histories.get(c.patient_id) if c.pathway is Pathway.COSMETIC else None
        kind = TREATMENT_KIND[c.pathway]
        due: list[tuple[date, str, str]] = []
        for area in c.areas:
            key = (c.session_on, c.pathway, c.product, area)
            if key not in memo:
                memo[key] = _population_days(SignedSession(*key))
            days = memo[key]
            if days is None or (history is not None and area in history.refused):
                continue
            treatment, review_on = days
            observed = history.wore_off.get((c.product, area)) if history is not None else None
            if observed:
                treatment = _personal_recommended(SignedSession(*key), observed)
            if on <= treatment <= last:
                due.append((treatment, kind, area))
            if (
                review_on is not None
                and on <= review_on <= last
                and c.patient_id in review
                and _first_in_area(history, area, c.session_on)
            ):
                due.append((review_on, REVIEW, area))
        if due:
            day, first_kind, _ = min(due)
            number, given, family = c.name
            entries.append(
                RecallEntry(
                    patient_id=c.patient_id,
                    record_number=number,
                    given_name=given,
                    family_name=family,
                    due_on=day,
                    pathway=c.pathway.value,
                    kind=first_kind,
                    booked=False,
                    areas=tuple(sorted({a for d, k, a in due if (d, k) == (day, first_kind)})),
                )
            )
    return entries


def _candidates(
    on: date, last: date, clinic: str | None, bands: Mapping[tuple[str, str], _Band]
) -> list[_Candidate]:
    """Each patient's last signed encounter per pathway in its band, if nothing is booked, with
    the areas it treated."""
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
        Encounter.objects.annotate(reported=Exists(_reports()))
        .filter(_band_filter(on, last, bands))
        .filter(~Exists(later), ~Exists(upcoming))
    )
    if clinic is not None:
        home = Appointment.objects.filter(patient_id=OuterRef("patient_id")).order_by("-starts_at")
        rows = rows.annotate(home=Coalesce(Subquery(home.values("clinic")[:1]), Value(""))).filter(
            home=clinic
        )
    migraine = _migraine_area()
    if migraine is None:
        rows = rows.annotate(muscles=_muscles(), migraine_area=Value(False))
    else:  # a cosmetic session's muscles decide its areas; a migraine session is in the one
        # chronic-migraine area if any of its muscles is (an index probe, not 31 rows)
        rows = rows.annotate(
            muscles=Case(When(pathway=COSMETIC, then=_muscles()), default=Value(None)),
            migraine_area=Case(
                When(pathway=COSMETIC, then=Value(False)), default=Exists(_sites_in(migraine))
            ),
        )
    found = []
    for patient_id, at, way, product, reported, muscles, migraine_area, *name in rows.values_list(
        "patient_id",
        "at",
        "pathway",
        "product",
        "reported",
        "muscles",
        "migraine_area",
        "patient__record_number",
        "patient__given_name",
        "patient__family_name",
    ).order_by():
        treated = _areas(way, muscles) if muscles else (migraine,) if migraine_area else ()
        if treated:
            found.append(
                _Candidate(
                    patient_id=patient_id,
                    session_on=local_date(at),
                    pathway=Pathway(way),
                    product=product,
                    areas=treated,
                    reported=bool(reported),
                    name=tuple(name),  # type: ignore[arg-type]
                )
            )
    return found


def _reports() -> Any:
    """Any wear-off report of the outer row's patient (read from the index on patient alone;
    a report that says movement has not returned makes a candidate read history for nothing)."""
    return WearOffReport.objects.filter(patient_id=OuterRef("patient_id"))


def _muscles() -> Subquery:
    """The outer encounter's muscles, joined by commas (from the index on encounter, muscle)."""
    rows = (
        Administration.objects.filter(encounter_id=OuterRef("pk"))
        .order_by()
        .values("encounter_id")
        .annotate(muscles=CodeList("muscle"))
        .values("muscles")
    )
    return Subquery(rows)


@cache
def _migraine_area() -> str | None:
    """The chronic-migraine pathway's area, if it has exactly one (then a migraine session's
    areas are known from one probe); None: read its muscles like a cosmetic session's."""
    found = [a.code for a in areas().values() if a.pathway is Pathway.CHRONIC_MIGRAINE]
    return found[0] if len(found) == 1 else None


def _sites_in(area: str) -> Any:
    """Administrations of the outer encounter in `area`."""
    muscles = sorted(areas()[area].muscles)
    return Administration.objects.filter(encounter_id=OuterRef("pk"), muscle__in=muscles)


@lru_cache(maxsize=1024)
def _areas(pathway: str, muscles: str) -> tuple[str, ...]:
    """The areas a session's muscles (as `CodeList` joins them) touch; sessions repeat them."""
    return tuple(areas_of(Pathway(pathway), muscles.split(CodeList.separator)))


# ---- cosmetic history ----------------------------------------------------------------------


def _histories(review: Mapping[UUID, date], reported: Mapping[UUID, date]) -> dict[UUID, _History]:
    """Per cosmetic candidate (patient → session date): earlier areas treated, for those whose
    review can fall in the window; observed durations, for those who reported wear-off."""
    histories: dict[UUID, _History] = defaultdict(_History)
    for patient_id, on, treated in _sessions_with_areas(review):
        if on < review[patient_id]:
            histories[patient_id].treated.append((on, treated))
    external = _external_areas({**review, **reported}.keys())
    for patient_id, records in external.items():
        histories[patient_id].treated += records
    _observations(reported, external, histories)
    return histories


def _sessions_with_areas(patients: Iterable[UUID]) -> Iterator[tuple[UUID, date, frozenset[str]]]:
    for ids in _chunks(patients):
        rows = (
            Encounter.objects.filter(
                patient_id__in=ids, pathway=COSMETIC, status=EncounterStatus.SIGNED
            )
            .annotate(muscles=_muscles())
            .values_list("patient_id", "at", "muscles")
            .order_by()
        )
        for patient_id, at, muscles in rows:
            yield patient_id, local_date(at), frozenset(_areas(COSMETIC, muscles or ""))


def _external_areas(patients: Iterable[UUID]) -> dict[UUID, list[tuple[date, frozenset[str]]]]:
    """Imported cosmetic records by patient, with the areas they touch (none if unknown)."""
    found: dict[UUID, list[tuple[date, frozenset[str]]]] = defaultdict(list)
    for ids in _chunks(patients):
        for patient_id, on, area, muscles in ExternalAdministration.objects.filter(
            patient_id__in=ids, pathway=COSMETIC
        ).values_list("patient_id", "on", "area", "muscles"):
            touched = external_muscles(area, muscles)
            treated = frozenset(areas_of(Pathway.COSMETIC, touched)) if touched else frozenset()
            found[patient_id].append((on, treated))
    return found


def _observations(
    reported: Mapping[UUID, date],
    external: Mapping[UUID, list[tuple[date, frozenset[str]]]],
    histories: dict[UUID, _History],
) -> None:
    """The days from each reported session to its wear-off date, per (product, area), for the
    sessions up to the candidate's, as `proposals.area_history` attaches them."""
    dates: dict[tuple[UUID, str], date] = {}
    for ids in _chunks(reported):
        dates.update(wore_off_dates(ids))
    if not dates:
        return
    sessions: dict[UUID, list[tuple[UUID, date, str]]] = defaultdict(list)
    for ids in _chunks(reported):
        for pk, patient_id, at, product in Encounter.objects.filter(
            patient_id__in=ids, pathway=COSMETIC, status=EncounterStatus.SIGNED
        ).values_list("id", "patient_id", "at", "product"):
            on = local_date(at)
            if on <= reported[patient_id]:
                sessions[patient_id].append((pk, on, product))
    reports: dict[UUID, list[tuple[UUID, str, date]]] = defaultdict(list)
    owner = {pk: patient_id for patient_id, rows in sessions.items() for pk, _, _ in rows}
    for (pk, area), day in dates.items():
        if pk in owner:
            reports[owner[pk]].append((pk, area, day))
    uncertain = _sessions_to_check(sessions, reports)
    areas_of_session = _areas_by_encounter(uncertain) if uncertain else {}
    for patient_id, patient_reports in reports.items():
        _patient_observations(
            sessions[patient_id],
            patient_reports,
            external.get(patient_id, []),
            areas_of_session,
            histories[patient_id],
        )


def _sessions_to_check(
    sessions: Mapping[UUID, list[tuple[UUID, date, str]]],
    reports: Mapping[UUID, list[tuple[UUID, str, date]]],
) -> set[UUID]:
    """Sessions whose areas decide an observation: one between a reported session and its
    wear-off date (it renewed the area?), or another on the same day with the same product
    (`keyed_by_session_day` gives it the same date if it treated the area)."""
    found = set()
    for patient_id, patient_reports in reports.items():
        rows = sessions[patient_id]
        if len(rows) < 2:
            continue  # no other session to renew an area or share a day
        when = {pk: (on, product) for pk, on, product in rows}
        for pk, _, wore_off in patient_reports:
            treated_on, product = when[pk]
            for other, on, other_product in rows:
                if treated_on < on < wore_off or (
                    on == treated_on and other_product == product and other != pk
                ):
                    found.add(other)
    return found


def _areas_by_encounter(encounters: set[UUID]) -> dict[UUID, frozenset[str]]:
    found: dict[UUID, frozenset[str]] = {}
    for ids in _chunks(encounters):
        rows = Encounter.objects.filter(pk__in=ids).annotate(muscles=_muscles())
        for pk, muscles in rows.values_list("id", "muscles"):
            found[pk] = frozenset(_areas(COSMETIC, muscles or ""))
    return found


def _patient_observations(
    sessions: list[tuple[UUID, date, str]],
    reports: list[tuple[UUID, str, date]],
    external: list[tuple[date, frozenset[str]]],
    areas_of_session: Mapping[UUID, frozenset[str]],
    history: _History,
) -> None:
    """One patient's observations by (product, area); areas the domain would refuse (a date
    before its session) are noted in `history.refused`."""
    reported_areas: dict[UUID, set[str]] = defaultdict(set)
    keyed: dict[tuple[date, str, str], date] = {}  # as `keyed_by_session_day`
    when = {pk: (on, product) for pk, on, product in sessions}
    for pk, area, day in reports:
        reported_areas[pk].add(area)
        key = (*when[pk], area)
        keyed[key] = min(day, keyed.get(key, day))

    def treats(pk: UUID, on: date, area: str) -> bool:
        if pk in areas_of_session:
            return area in areas_of_session[pk]
        return area in reported_areas[pk]  # a report's session treated its area

    keyed_areas: dict[tuple[date, str], set[str]] = defaultdict(set)
    for day, product, area in keyed:
        keyed_areas[(day, product)].add(area)
    for pk, on, product in sessions:
        for area in keyed_areas.get((on, product), ()):
            wore_off = keyed[(on, product, area)]
            if not treats(pk, on, area):
                continue
            if wore_off < on:
                history.refused.add(area)
                continue
            renewed = [
                d for other, d, _ in sessions if on < d < wore_off and treats(other, d, area)
            ]
            renewed += [d for d, touched in external if on < d < wore_off and area in touched]
            if not renewed:
                history.wore_off.setdefault((product, area), []).append((on, wore_off))


def _first_in_area(history: _History | None, area: str, session_on: date) -> bool:
    """No treatment of this area on record before the session (`is_first_session_in_area`)."""
    if history is None:
        return True
    return not any(on < session_on and area in treated for on, treated in history.treated)


# ---- dates ---------------------------------------------------------------------------------


def _next_visits(session: SignedSession) -> NextVisits | None:
    """The domain's next visits for a first session with no durations on record; None for a
    product with no label interval or off its pathway."""
    try:
        return next_visits(session, ())
    except InvalidInput:
        return None


def _population_days(session: SignedSession) -> tuple[date, date | None] | None:
    visits = _next_visits(session)
    if visits is None:
        return None
    review = visits.review.on if visits.review is not None else None
    return visits.treatment.recommended, review


def _personal_recommended(session: SignedSession, observed: list[tuple[date, date]]) -> date:
    """The touch-up's recommended date from the patient's own durations, composed from the
    domain's functions as `scheduling.touch_up_window` composes them (tested against it)."""
    earliest, anchor = _earliest_and_anchor(session)
    days = [(wore_off - treated).days for treated, wore_off in observed]
    predicted = predicted_days(anchor, days, DEFAULT_POLICY.prior_weight)
    return max(earliest, session.on + timedelta(days=predicted))


@lru_cache(maxsize=4096)
def _earliest_and_anchor(session: SignedSession) -> tuple[date, int]:
    """The label (or clinic) minimum's first date, and the days the prior stands for."""
    product = get_product(session.product)
    earliest = minimum_interval(product, DEFAULT_POLICY).after(session.on)
    prior = population_prior(product.code, session.area)
    anchor = prior.days_after(session.on) if prior else (earliest - session.on).days
    return earliest, anchor


TREATMENT_KIND = {
    Pathway.CHRONIC_MIGRAINE: AppointmentKind.CYCLE.value,
    Pathway.COSMETIC: AppointmentKind.TOUCH_UP.value,
}
REVIEW = AppointmentKind.REVIEW.value


def _visit_days(session: SignedSession, history: tuple[Any, ...]) -> list[tuple[date, str]]:
    """The review (if any), then the treatment window's recommended date, with their kinds,
    straight from `next_visits` (none for a product it refuses)."""
    try:
        visits = next_visits(session, history)
    except InvalidInput:
        return []
    days = [(visits.treatment.recommended, TREATMENT_KIND[session.pathway])]
    if visits.review is not None:
        days.insert(0, (visits.review.on, REVIEW))
    return days


def _chunks(ids: Iterable[UUID]) -> Iterator[list[UUID]]:
    listed = list(ids)
    for start in range(0, len(listed), CHUNK):
        yield listed[start : start + CHUNK]


# ---- candidate bands -----------------------------------------------------------------------


@cache
def candidate_bands() -> dict[tuple[str, str], _Band]:
    """Per (pathway, product): the nearest and farthest proposed visit after a session."""
    bands = {}
    for pathway in Pathway:
        for product in products_for(pathway):
            offsets, reviews, minimums = [], [], []
            for area in (a.code for a in areas().values() if a.pathway is pathway):
                session = SignedSession(REFERENCE_DAY, pathway, product.code, area)
                visits = _next_visits(session)
                if visits is None:
                    continue
                offsets.append((visits.treatment.recommended - REFERENCE_DAY).days)
                minimums.append((visits.treatment.earliest - REFERENCE_DAY).days)
                if visits.review is not None:
                    reviews.append((visits.review.on - REFERENCE_DAY).days)
            if offsets:
                bands[(pathway.value, product.code)] = _Band(
                    treatment=(min(offsets), max(offsets)),
                    review=(min(reviews), max(reviews)) if reviews else None,
                    minimum=min(minimums),
                )
    return bands


@cache
def personal_horizon() -> int:
    """How far after a session the list looks for a touch-up predicted from the patient's own
    durations: the longest population figure in the reference (days after `REFERENCE_DAY`).

    The prediction shrinks the patient's durations toward the figure (`bonta.domain.duration`),
    so it passes this only when their own effect has lasted well beyond it; such a patient is
    not looked for further (their chart still shows the proposal). Finding every one would
    mean reading every wear-off report on each call.
    """
    return max(prior.days_after(REFERENCE_DAY) for prior in duration_priors().values())


def _in_span(span: Span | None, session_on: date, on: date, last: date) -> bool:
    """Whether a visit `span` days after the session can fall in the window (with slack)."""
    if span is None:
        return False
    nearest, farthest = span
    return (
        on - timedelta(days=farthest + MONTH_SLACK_DAYS)
        <= session_on
        <= last - timedelta(days=nearest - MONTH_SLACK_DAYS)
    )


def _band_filter(on: date, last: date, bands: Mapping[tuple[str, str], _Band]) -> Q:
    """Sessions whose proposed visit can fall in `on` … `last`: the review, or the cycle or
    touch-up on the population or label figure; for a patient who has reported wear-off, any
    touch-up from the label minimum to `personal_horizon()` days after the session."""
    horizon = personal_horizon()
    either = Q(pk__in=[])
    for (pathway, product), band in bands.items():
        spans: list[tuple[Span, bool]] = [(band.treatment, False)]
        if band.review is not None:
            spans.append((band.review, False))
        if pathway == COSMETIC:
            spans.append(((band.minimum, max(band.treatment[1], horizon)), True))
        for (nearest, farthest), personal in spans:
            first = on - timedelta(days=farthest + MONTH_SLACK_DAYS)
            final = last - timedelta(days=nearest - MONTH_SLACK_DAYS)
            span = Q(  # status in each term: SQLite then reads each range from the index
                status=EncounterStatus.SIGNED,
                pathway=pathway,
                product=product,
                at__gte=_start_of(first),
                at__lt=_start_of(final, 1),
            )
            either |= (span & Q(reported=True)) if personal else span
    return either


def _start_of(day: date, plus_days: int = 0) -> datetime:
    """The first instant of a local date in the clinic's time zone (DST-safe: local midnight)."""
    local = datetime.combine(day + timedelta(days=plus_days), time())
    return timezone.make_aware(local, timezone.get_default_timezone())
