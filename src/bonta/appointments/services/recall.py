"""Who is due in the next N days: booked appointments, and patients Bonta proposes to recall.

`recall_list(on, days)` covers the local dates `on` … `on + days - 1` (`days` of them). A patient
is proposed when their first proposed visit in the window — the review, else the recommended
date of the next cycle or touch-up — falls in it; patients with an upcoming appointment are
not on this list. Products with no label interval get no proposal. The dates are the ones
`propose_next_visits` gives: the domain's `next_visits` over the patient's history up to the
session, with the wear-off dates reported for it (`bonta.appointments.observations`, fed by
`bonta.cosmetic`).

The dates are stored (`RecallDue`: one row per area and kind after each patient's latest signed
session per pathway) because none of them depends on the day the list is read, and the list
is then one indexed range query (plus the booked appointments):

- `due_rows(patient_ids)` computes them set-based (a fixed number of queries per chunk of
  `CHUNK` patients): the latest signed sessions with their areas; earlier cosmetic sessions'
  areas (is this the first session in the area? then a review is due); imported records;
  and, for patients who reported wear-off, their sessions and wear-off dates (the days from
  each session to its wear-off date, less any whose area was treated again before it, as
  `proposals.area_history` reads them). A touch-up on the patient's own durations is composed
  from the domain's functions as `touch_up_window` composes them (`_personal_recommended`,
  tested against it); otherwise the dates are `next_visits`' own.
- `refresh_patient` rewrites one patient's rows inside the transaction that changed their
  history: it is registered in `bonta.records.services.encounters.HISTORY_CHANGED`, which
  sign-off, wear-off reports (staff, portal, a follow-up back to baseline) and imported records
  call. A patient's rows change only through these.
- `rebuild` recomputes the whole table (`bonta_recall_rebuild`; the migration that adds the
  table runs it on a database with signed sessions; the demo loader refreshes each batch).
- What depends on the day — the window, upcoming appointments, the patient's latest clinic —
  is read when the list is: only the rows in the window are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from bonta.accounts.models import User
from bonta.appointments.models import (
    UPCOMING,
    Appointment,
    AppointmentKind,
    RecallDue,
    RecallStale,
)
from bonta.appointments.observations import has_reports, wore_off_dates
from bonta.audit.log import record
from bonta.domain.anatomy import areas, areas_of
from bonta.domain.duration import population_prior, predicted_days
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.products import get_product
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
    Patient,
)
from bonta.records.services._common import ANY_STAFF, require_role
from bonta.records.snapshots import CodeList, external_muscles, local_date

MAX_DAYS = 366
CHUNK = 5000  # ids per IN list (SQLite's default limit is 32,766 variables)
COSMETIC = Pathway.COSMETIC.value
ROW_FIELDS = ("patient_id", "encounter_id", "pathway", "product", "area", "kind", "due_on")


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
    encounter_id: UUID
    patient_id: UUID
    session_on: date
    pathway: Pathway
    product: str
    areas: tuple[str, ...]
    reported: bool  # the patient has wear-off reports (personal durations may apply)


@dataclass
class _History:
    """What the dates of one patient's cosmetic candidate depend on, besides the session."""

    treated: list[tuple[date, frozenset[str]]] = field(default_factory=list)  # (on, areas)
    # (product, area) → [(treated on, wore off on)], as `area_history` attaches them
    wore_off: dict[tuple[str, str], list[tuple[date, date]]] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)  # areas the domain would refuse to schedule


def _proposed(on: date, last: date, clinic: str | None) -> list[RecallEntry]:
    """One indexed range query over the stored due dates (`RecallDue`), less patients with an
    upcoming appointment (and, with `clinic`, those whose latest appointment was elsewhere).

    Patients marked stale (`RecallStale`: their history changed and the after-commit refresh
    has not finished, or died) are recomputed here instead of read (`_stale_rows`)."""
    upcoming = Appointment.objects.filter(
        patient_id=OuterRef("patient_id"), status__in=UPCOMING, starts_at__gte=_start_of(on)
    )
    marked = RecallStale.objects.filter(patient_id=OuterRef("patient_id"))
    rows = RecallDue.objects.filter(due_on__gte=on, due_on__lte=last).filter(
        ~Exists(upcoming), ~Exists(marked)
    )
    if clinic is not None:
        home = Appointment.objects.filter(patient_id=OuterRef("patient_id")).order_by("-starts_at")
        rows = rows.annotate(home=Coalesce(Subquery(home.values("clinic")[:1]), Value(""))).filter(
            home=clinic
        )
    found = list(
        rows.values_list(
            "encounter_id",
            "due_on",
            "kind",
            "area",
            "patient_id",
            "pathway",
            "patient__record_number",
            "patient__given_name",
            "patient__family_name",
        ).order_by()
    )
    found += _stale_rows(on, last, clinic)
    # per session (a patient's latest on a pathway): the first (day, kind) in the window
    due: dict[UUID, list[Any]] = {}
    for encounter_id, day, kind, area, *rest in found:
        found = due.get(encounter_id)
        if found is None or (day, kind) < (found[0], found[1]):
            due[encounter_id] = [day, kind, {area}, *rest]
        elif (day, kind) == (found[0], found[1]):
            found[2].add(area)
    return [
        RecallEntry(
            patient_id=patient_id,
            record_number=number,
            given_name=given,
            family_name=family,
            due_on=day,
            pathway=pathway,
            kind=kind,
            booked=False,
            areas=tuple(sorted(treated)),
        )
        for day, kind, treated, patient_id, pathway, number, given, family in due.values()
    ]


def _stale_rows(on: date, last: date, clinic: str | None) -> list[tuple[Any, ...]]:
    """The marked patients' due dates in the window, computed now (written nothing), as
    `_proposed` reads stored rows: recomputing on read keeps the list right while a refresh
    is pending or after one died; the sweep makes it a stored read again within seconds."""
    stale = list(RecallStale.objects.values_list("patient_id", flat=True))
    if not stale:
        return []
    computed = [r for ids in _chunks(stale) for r in due_rows(ids) if on <= r.due_on <= last]
    patients = {r.patient_id for r in computed}
    if not patients:
        return []
    upcoming = set(
        Appointment.objects.filter(
            patient_id__in=patients, status__in=UPCOMING, starts_at__gte=_start_of(on)
        ).values_list("patient_id", flat=True)
    )
    if clinic is not None:
        homes: dict[UUID, str] = {}
        for patient_id, site in (
            Appointment.objects.filter(patient_id__in=patients)
            .order_by("patient_id", "-starts_at")
            .values_list("patient_id", "clinic")
        ):
            homes.setdefault(patient_id, site)
        upcoming |= {p for p in patients if homes.get(p, "") != clinic}
    names = {
        pk: rest
        for pk, *rest in Patient.objects.filter(pk__in=patients - upcoming).values_list(
            "pk", "record_number", "given_name", "family_name"
        )
    }
    return [
        (r.encounter_id, r.due_on, r.kind, r.area, r.patient_id, r.pathway, *names[r.patient_id])
        for r in computed
        if r.patient_id in names
    ]


# ---- the stored due dates ------------------------------------------------------------------


def refresh_patient(patient_id: UUID) -> None:
    """Recompute one patient's `RecallDue` rows now (`refresh_patients` of one)."""
    refresh_patients([patient_id])


def refresh_patients(patient_ids: Iterable[UUID]) -> int:
    """Recompute these patients' `RecallDue` rows and clear their stale marks, in one
    transaction (in chunks of `CHUNK`); the rows written.

    Order matters (`services.stale`): the patients' rows are locked first (sign-off and
    imports take the same lock, so two refreshes of one patient take turns), then each mark's
    token is read, then the history; a mark is cleared only if its token is unchanged, so a
    change committed after the history was read keeps its mark. Idempotent."""
    written = 0
    with transaction.atomic():
        for ids in _chunks(sorted(set(patient_ids))):
            list(
                Patient.objects.select_for_update()
                .filter(pk__in=ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            marks = list(
                RecallStale.objects.filter(patient_id__in=ids).values_list("patient_id", "token")
            )
            RecallDue.objects.filter(patient_id__in=ids).delete()
            rows = due_rows(ids)
            RecallDue.objects.bulk_create(rows, batch_size=2000)
            _clear_marks(marks)
            written += len(rows)
    return written


def _clear_marks(marks: list[tuple[UUID, UUID]], batch: int = 200) -> None:
    """Delete the marks that still carry the token read (a re-marked patient keeps theirs)."""
    for start in range(0, len(marks), batch):
        match = Q()
        for patient_id, token in marks[start : start + batch]:
            match |= Q(patient_id=patient_id, token=token)
        RecallStale.objects.filter(match).delete()


def rebuild(chunk: int = 2000, progress: Any = None) -> int:
    """Recompute the whole table from the records, in one transaction: every patient with a
    signed session, `chunk` patients at a time (`bonta_recall_rebuild`); the stale marks read
    before are cleared. The rows written."""
    written = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":  # sign-offs meanwhile wait rather than collide
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {RecallDue._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        marks = list(RecallStale.objects.values_list("patient_id", "token"))
        RecallDue.objects.all().delete()
        patients = list(
            Encounter.objects.filter(status=EncounterStatus.SIGNED)
            .values_list("patient_id", flat=True)
            .order_by("patient_id")
            .distinct()
        )
        for start in range(0, len(patients), chunk):
            rows = due_rows(patients[start : start + chunk])
            RecallDue.objects.bulk_create(rows, batch_size=2000)
            written += len(rows)
            if progress is not None:
                progress(min(start + chunk, len(patients)), len(patients))
        _clear_marks(marks)
    return written


def stored_rows(patient_ids: Iterable[UUID] | None = None) -> set[tuple[Any, ...]]:
    """The stored rows as comparable tuples (for `bonta_recall_rebuild --check` and tests)."""
    rows = RecallDue.objects.all()
    if patient_ids is not None:
        rows = rows.filter(patient_id__in=list(patient_ids))
    return set(rows.values_list(*ROW_FIELDS))


def computed_rows(patient_ids: Iterable[UUID], chunk: int = 2000) -> set[tuple[Any, ...]]:
    """What `due_rows` gives now for these patients, as `stored_rows` gives it."""
    listed = list(patient_ids)
    found = set()
    for start in range(0, len(listed), chunk):
        for row in due_rows(listed[start : start + chunk]):
            found.add(tuple(getattr(row, f) for f in ROW_FIELDS))
    return found


def due_rows(patient_ids: list[UUID]) -> list[RecallDue]:
    """The due dates after each patient's latest signed session per pathway, per area: the
    touch-up or cycle (on the patient's own durations where reported), and the review when
    the session was the first in its area. Unsaved; none depends on the day it is read."""
    candidates = _candidates(patient_ids)
    cosmetic = [c for c in candidates if c.pathway is Pathway.COSMETIC]
    review = {c.patient_id: c.session_on for c in cosmetic}
    reported = {c.patient_id: c.session_on for c in cosmetic if c.reported}
    histories = _histories(review, reported)
    # (session date, pathway, product, area) → (treatment date, review date or None), from
    # `next_visits` for a first session with no durations; None when it proposes nothing.
    memo: dict[tuple[date, Pathway, str, str], tuple[date, date | None] | None] = {}
    rows = []
    for c in candidates:
        history = histories.get(c.patient_id) if c.pathway is Pathway.COSMETIC else None
        kind = TREATMENT_KIND[c.pathway]
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
            due = [(treatment, kind)]
            if review_on is not None and _first_in_area(history, area, c.session_on):
                due.append((review_on, REVIEW))
            rows += [
                RecallDue(
                    patient_id=c.patient_id,
                    encounter_id=c.encounter_id,
                    pathway=c.pathway.value,
                    product=c.product,
                    area=area,
                    kind=visit_kind,
                    due_on=day,
                )
                for day, visit_kind in due
            ]
    return rows


def _candidates(patient_ids: list[UUID]) -> list[_Candidate]:
    """Each patient's last signed encounter per pathway, with the areas it treated."""
    later = Encounter.objects.filter(
        patient_id=OuterRef("patient_id"),
        pathway=OuterRef("pathway"),
        status=EncounterStatus.SIGNED,
        at__gt=OuterRef("at"),
    )
    rows = (
        Encounter.objects.annotate(reported=has_reports())
        .filter(patient_id__in=patient_ids, status=EncounterStatus.SIGNED)
        .filter(~Exists(later))
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
    for pk, patient_id, at, way, product, reported, muscles, migraine_area in rows.values_list(
        "id", "patient_id", "at", "pathway", "product", "reported", "muscles", "migraine_area"
    ).order_by():
        treated = _areas(way, muscles) if muscles else (migraine,) if migraine_area else ()
        if treated:
            found.append(
                _Candidate(
                    encounter_id=pk,
                    patient_id=patient_id,
                    session_on=local_date(at),
                    pathway=Pathway(way),
                    product=product,
                    areas=treated,
                    reported=bool(reported),
                )
            )
    return found


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


def _start_of(day: date, plus_days: int = 0) -> datetime:
    """The first instant of a local date in the clinic's time zone (DST-safe: local midnight)."""
    local = datetime.combine(day + timedelta(days=plus_days), time())
    return timezone.make_aware(local, timezone.get_default_timezone())
