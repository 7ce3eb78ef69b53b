"""Cosmetic assessments and wear-off reports: one function per use case, validated and audited.

Writes (`record_assessment`, `record_wear_off`) check the role, validate every field (raising
`InvalidInput(field, message)`; nothing is written on a refusal) and write the rows and their
audit event in one transaction. Who may write:
- investigator assessments and staff wear-off reports: clinicians and nurses;
- a patient's self-rating and portal check-ins: also the patient's own portal account
  (`bonta.portal.access.patient_of(by) == patient`).

Reads: `cosmetic_summary` and `responder_status` are audited; `due_checkins` and
`wore_off_dates` are loaders for other services (the portal, the recall list, the next-visit
proposals), which audit the read they serve.

Rules (the pure ones are in `bonta.cosmetic.outcomes`):
- The area is a cosmetic treatment area of the domain anatomy.
- A baseline is taken before treatment and links no session; a 2-week review or follow-up
  links the signed cosmetic session of this patient it assesses, which treated that area, is
  dated after the session and before the area's next treatment (which renewed the effect).
- A follow-up with an investigator grade and a baseline for the area writes a wear-off report
  (source "wrinkle_scale"): returned when the grade at maximum contraction is back to the
  baseline grade or worse. The baseline is the latest investigator baseline of that area on or
  before the session's date.
- A wear-off report is dated after its session, not after the area's next treatment, never in
  the future, and not once the area has been reported as returned for that session. A portal
  check-in must answer a check-in due that day (`due_checkins`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min

from bonta.accounts.models import Role, User
from bonta.audit.log import record
from bonta.cosmetic import outcomes
from bonta.cosmetic.models import (
    AssessmentKind,
    CosmeticAssessment,
    PriorTreatment,
    Rater,
    WearOffReport,
    WearOffSource,
)
from bonta.db.prepared import Statement, field_of
from bonta.domain.anatomy import areas
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.domain.products import all_products
from bonta.records.errors import NotAllowed, NotFound
from bonta.records.models import Administration, Encounter, EncounterStatus, Patient
from bonta.records.services._common import (
    CLINICAL_READ,
    CLINICAL_WRITE,
    a_date,
    choice,
    not_in_future,
    require_role,
)
from bonta.records.services.encounters import history_changed
from bonta.records.snapshots import local_date, patient_history, signed_sessions

GOALS_MAX = 500
NOTE_MAX = 300
MAX_PRIOR_TREATMENTS = 20


@dataclass(frozen=True)
class PriorTreatmentInput:
    """A treatment the patient reports at baseline; every field may be unknown."""

    product: str = ""
    area: str = ""
    approx_on: date | None = None
    note: str = ""


@dataclass(frozen=True)
class CheckIn:
    """A portal check-in due for one area of one signed cosmetic session."""

    encounter_id: UUID
    area: str
    week: int  # 8, 12 or 16 (issue #5)
    due_on: date
    session_on: date = field(default=date.min)
    ends_on: date | None = None  # the next check-in's start; None for week 16 (open)


# ---- who may write -------------------------------------------------------------------------


def _is_own_portal_user(by: User, patient: Patient) -> bool:
    if getattr(by, "role", None) != Role.PATIENT:
        return False
    from bonta.records.actors import patient_of

    own = patient_of(by)
    return own is not None and own.pk == patient.pk


def _require_writer(by: User, patient: Patient, *, patient_may: bool, action: str) -> None:
    if patient_may and _is_own_portal_user(by, patient):
        return
    if getattr(by, "role", None) == Role.PATIENT:
        raise NotAllowed(f"A portal account may not {action} for this patient.")
    require_role(by, CLINICAL_WRITE, action)


# ---- validation helpers --------------------------------------------------------------------


def cosmetic_area(value: object, field: str = "area") -> str:
    """A cosmetic treatment area code of the domain anatomy."""
    code = str(value or "")
    area = areas().get(code)
    if area is None or area.pathway is not Pathway.COSMETIC:
        known = ", ".join(cosmetic_areas())
        raise InvalidInput(field, f"{code!r} is not a cosmetic treatment area (known: {known})")
    return code


def cosmetic_areas() -> list[str]:
    return [a.code for a in areas().values() if a.pathway is Pathway.COSMETIC]


def _grade(value: object, field: str) -> int:
    try:
        return outcomes.check_grade(value)
    except ValueError as error:
        raise InvalidInput(field, str(error)) from None


def _day(value: object, field: str) -> date:
    return not_in_future(a_date(value, field), field)


def _text(value: object, field: str, max_length: int) -> str:
    text = str(value or "").strip()
    if len(text) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
    return text


def _session(patient: Patient, encounter: object, area: str, field: str = "encounter") -> Encounter:
    """The signed cosmetic session of this patient that treated `area`."""
    pk = encounter.pk if isinstance(encounter, Encounter) else encounter
    try:  # read fresh: what is stored decides (an in-memory copy may be a stale draft)
        found = Encounter.objects.filter(pk=pk).first()
    except (ValueError, ValidationError):  # a malformed id
        found = None
    if found is None or found.patient_id != patient.pk:
        raise InvalidInput(field, "no such session of this patient")
    if found.pathway != Pathway.COSMETIC:
        raise InvalidInput(field, "is not a cosmetic session (the pathways are kept apart)")
    if found.status != EncounterStatus.SIGNED:
        raise InvalidInput(field, "is not signed yet: assess or follow up a signed session")
    if area not in session_areas(found):
        raise InvalidInput("area", f"{area} was not treated in this session")
    return found


def session_areas(encounter: Encounter) -> list[str]:
    """The cosmetic areas a signed session treated (from its administrations)."""
    from bonta.domain.anatomy import areas_of

    muscles = Administration.objects.filter(encounter_id=encounter.pk).values_list(
        "muscle", flat=True
    )
    return areas_of(Pathway(encounter.pathway), muscles)


def next_treatment_of_area(history: Iterable[PastTreatment], area: str, after: date) -> date | None:
    """The first treatment touching `area` (any product, here or imported) after `after`:
    it renewed the effect (the same reading as `bonta.domain.scheduling.check_history`)."""
    from bonta.domain.anatomy import areas_of

    later = [
        h.on
        for h in history
        if h.on > after and h.muscles is not None and area in areas_of(h.pathway, h.muscles)
    ]
    return min(later, default=None)


def _after_session(
    day: date, session_on: date, renewed_on: date | None, field: str, what: str
) -> None:
    if day <= session_on:
        raise InvalidInput(field, f"{what} must be after the session on {session_on.isoformat()}")
    if renewed_on is not None and day > renewed_on:
        raise InvalidInput(
            field,
            f"the area was treated again on {renewed_on.isoformat()}, which renewed the effect; "
            f"record it against that session",
        )


# ---- assessments ---------------------------------------------------------------------------


def record_assessment(
    patient: Patient,
    *,
    area: str,
    kind: str,
    assessed_on: date,
    grade_at_rest: int,
    grade_at_max: int,
    by: User,
    rater: str = Rater.INVESTIGATOR,
    encounter: Encounter | UUID | str | None = None,
    goals: str = "",
    prior_treatments: Sequence[PriorTreatmentInput] = (),
) -> CosmeticAssessment:
    """Record FWS grades for one area: a baseline (with goals and prior treatments), the
    2-week review or a follow-up of a signed session. A follow-up may write a wear-off report."""
    rater = choice(rater, Rater, "rater")
    _require_writer(
        by, patient, patient_may=rater == Rater.PATIENT, action="record cosmetic assessments"
    )
    kind = choice(kind, AssessmentKind, "kind")
    area = cosmetic_area(area)
    day = _day(assessed_on, "assessed_on")
    rest = _grade(grade_at_rest, "grade_at_rest")
    at_max = _grade(grade_at_max, "grade_at_max")
    goals = _text(goals, "goals", GOALS_MAX)
    priors = [_prior(p, i) for i, p in enumerate(prior_treatments)]
    if len(priors) > MAX_PRIOR_TREATMENTS:
        raise InvalidInput("prior_treatments", f"at most {MAX_PRIOR_TREATMENTS}")
    with transaction.atomic():
        session: Encounter | None = None
        if kind == AssessmentKind.BASELINE:
            if encounter is not None:
                raise InvalidInput(
                    "encounter", "a baseline is taken before treatment and links no session"
                )
        else:
            if encounter is None or encounter == "":
                raise InvalidInput("encounter", "a review or follow-up must name its session")
            if goals or priors:
                raise InvalidInput("goals", "goals and prior treatments belong on the baseline")
            session = _session(patient, encounter, area)
            session_on = local_date(session.at)
            renewed = next_treatment_of_area(patient_history(patient.pk), area, session_on)
            _after_session(day, session_on, renewed, "assessed_on", "a review or follow-up")
        assessment = CosmeticAssessment.objects.create(
            patient=patient,
            area=area,
            assessed_on=day,
            kind=kind,
            rater=rater,
            grade_at_rest=rest,
            grade_at_max=at_max,
            encounter=session,
            goals=goals,
            recorded_by=by,
        )
        PriorTreatment.objects.bulk_create(
            PriorTreatment(assessment=assessment, **p.__dict__) for p in priors
        )
        record(
            "cosmetic.assessment.record",
            actor=by,
            object_type="cosmetic_assessment",
            object_id=assessment.pk,
            patient_id=patient.pk,
            detail={
                "kind": kind,
                "type": rater,
                "codes": [area],
                "count": len(priors),
                **({"encounter_id": str(session.pk)} if session else {}),
            },
        )
        if session is not None and kind == AssessmentKind.FOLLOW_UP:
            _wear_off_from_follow_up(assessment, session)
    return assessment


def _prior(item: PriorTreatmentInput, i: int) -> PriorTreatmentInput:
    where = f"prior_treatments[{i}]"
    product = str(item.product or "")
    if product and product not in all_products():
        raise InvalidInput(f"{where}.product", f"unknown product {product!r}")
    area = cosmetic_area(item.area, f"{where}.area") if item.area else ""
    approx = _day(item.approx_on, f"{where}.approx_on") if item.approx_on is not None else None
    return PriorTreatmentInput(product, area, approx, _text(item.note, f"{where}.note", NOTE_MAX))


def baseline_for(patient_id: UUID, area: str, on: date, rater: str = Rater.INVESTIGATOR) -> Any:
    """The latest baseline of this rater for the area on or before `on`, if any."""
    return (
        CosmeticAssessment.objects.filter(
            patient_id=patient_id,
            area=area,
            kind=AssessmentKind.BASELINE,
            rater=rater,
            assessed_on__lte=on,
        )
        .order_by("-assessed_on", "-recorded_at")
        .first()
    )


def _wear_off_from_follow_up(assessment: CosmeticAssessment, session: Encounter) -> None:
    """The wrinkle-scale wear-off rule (module docstring): investigator follow-ups only."""
    if assessment.rater != Rater.INVESTIGATOR:
        return
    baseline = baseline_for(assessment.patient_id, assessment.area, local_date(session.at))
    if baseline is None or _returned_on(session.pk, assessment.area) is not None:
        return
    report = WearOffReport.objects.create(
        patient_id=assessment.patient_id,
        encounter=session,
        area=assessment.area,
        reported_on=assessment.assessed_on,
        returned=outcomes.has_returned(baseline.grade_at_max, assessment.grade_at_max),
        source=WearOffSource.WRINKLE_SCALE,
        assessment=assessment,
        recorded_by=assessment.recorded_by,
    )
    if report.returned:  # only returned movement dates a wear-off (`wore_off_dates`)
        history_changed(report.patient_id)
    _audit_report(report, assessment.recorded_by)


# ---- wear-off ------------------------------------------------------------------------------


def _returned_on(encounter_id: UUID, area: str) -> date | None:
    found = WearOffReport.objects.filter(
        encounter_id=encounter_id, area=area, returned=True
    ).aggregate(first=Min("reported_on"))
    return found["first"]  # type: ignore[no-any-return]


def record_wear_off(
    patient: Patient,
    *,
    encounter: Encounter | UUID | str,
    area: str,
    returned: bool,
    on: date,
    by: User,
    source: str,
) -> WearOffReport:
    """One answer to "has movement returned in this area since the session?"."""
    source = choice(source, WearOffSource, "source")
    if source == WearOffSource.WRINKLE_SCALE:
        raise InvalidInput(
            "source", "wrinkle-scale reports are written by recording a follow-up assessment"
        )
    portal = source == WearOffSource.PORTAL_CHECKIN
    if portal and not _is_own_portal_user(by, patient):
        raise NotAllowed("Only the patient's own portal account answers a portal check-in.")
    _require_writer(by, patient, patient_may=portal, action="record wear-off reports")
    if not isinstance(returned, bool):
        raise InvalidInput("returned", "must be yes (true) or no (false)")
    area = cosmetic_area(area)
    day = _day(on, "on")
    with transaction.atomic():
        session = _session(patient, encounter, area)
        session_on = local_date(session.at)
        history = patient_history(patient.pk)
        renewed = next_treatment_of_area(history, area, session_on)
        _after_session(day, session_on, renewed, "on", "a wear-off report")
        already = _returned_on(session.pk, area)
        if already is not None:
            raise InvalidInput(
                "returned",
                f"movement in this area was already reported as returned on "
                f"{already.isoformat()} for this session",
            )
        if portal and not any(
            c.encounter_id == session.pk and c.area == area for c in due_checkins(patient, day)
        ):
            raise InvalidInput(
                "encounter", f"no check-in is due for this treatment area on {day.isoformat()}"
            )
        report = WearOffReport.objects.create(
            patient=patient,
            encounter=session,
            area=area,
            reported_on=day,
            returned=returned,
            source=source,
            recorded_by=by,
        )
        if returned:  # only returned movement dates a wear-off (`wore_off_dates`)
            history_changed(patient.pk)
        _audit_report(report, by)
    return report


def _audit_report(report: WearOffReport, by: User) -> None:
    record(
        "cosmetic.wear_off.record",
        actor=by,
        object_type="wear_off_report",
        object_id=report.pk,
        patient_id=report.patient_id,
        detail={
            "encounter_id": str(report.encounter_id),
            "codes": [report.area],
            "type": report.source,
            "status": "returned" if report.returned else "not_returned",
        },
    )


_WORE_OFF_OF_PATIENT: Statement[tuple[UUID, str, date]] = Statement(
    lambda patient_id: (
        WearOffReport.objects.filter(patient_id=patient_id, returned=True)
        .values_list("encounter_id", "area")
        .annotate(first=Min("reported_on"))
        .order_by()
    ),
    patient_id=field_of(WearOffReport, "patient"),
)


def wore_off_dates(patient_ids: Iterable[UUID] | Any) -> dict[tuple[UUID, str], date]:
    """(encounter id, area) → the date movement was first reported back, for these patients.

    One query. `patient_ids` may be a list or a subquery (a `values("id")` queryset). Not
    audited: the caller (proposals, recall list) audits the read it serves.
    """
    if not hasattr(patient_ids, "query"):
        patient_ids = list(patient_ids)
    if isinstance(patient_ids, list) and len(patient_ids) == 1:  # a chart's: compiled once
        rows = _WORE_OFF_OF_PATIENT.run(patient_id=patient_ids[0])
        return {(encounter_id, area): first for encounter_id, area, first in rows}
    rows = (
        WearOffReport.objects.filter(patient_id__in=patient_ids, returned=True)
        .values_list("encounter_id", "area")
        .annotate(first=Min("reported_on"))
        .order_by()
    )
    return {(encounter_id, area): first for encounter_id, area, first in rows}


def due_checkins(patient: Patient, today: date) -> list[CheckIn]:
    """The portal check-ins due on `today`: per area of each signed cosmetic session, the
    current window of weeks 8/12/16 (`outcomes.due_window`) unless answered in that window,
    movement has returned, or the area has been treated again. Not audited (the portal
    audits the page it serves)."""
    sessions = [
        (pk, local_date(at))
        for pk, at in Encounter.objects.filter(
            patient_id=patient.pk, pathway=Pathway.COSMETIC, status=EncounterStatus.SIGNED
        ).values_list("id", "at")
        if local_date(at) <= today
    ]
    if not sessions:
        return []
    reports: dict[tuple[UUID, str], list[date]] = defaultdict(list)
    returned: set[tuple[UUID, str]] = set()
    for encounter_id, area, day, back in WearOffReport.objects.filter(
        patient_id=patient.pk
    ).values_list("encounter_id", "area", "reported_on", "returned"):
        reports[(encounter_id, area)].append(day)
        if back:
            returned.add((encounter_id, area))
    treated = _areas_by_session([pk for pk, _ in sessions])
    history = patient_history(patient.pk)
    due = []
    for encounter_id, session_on in sessions:
        for area in treated.get(encounter_id, []):
            key = (encounter_id, area)
            window = outcomes.due_window(
                session_on,
                today,
                reported_on=reports.get(key, ()),
                returned=key in returned,
                renewed_on=next_treatment_of_area(history, area, session_on),
            )
            if window is not None:
                due.append(
                    CheckIn(
                        encounter_id, area, window.week, window.due_on, session_on, window.ends_on
                    )
                )
    return sorted(due, key=lambda c: (c.due_on, c.area))


def _areas_by_session(encounter_ids: list[UUID]) -> dict[UUID, list[str]]:
    from bonta.domain.anatomy import areas_of

    muscles: dict[UUID, set[str]] = defaultdict(set)
    for encounter_id, muscle in Administration.objects.filter(
        encounter_id__in=encounter_ids
    ).values_list("encounter_id", "muscle"):
        muscles[encounter_id].add(muscle)
    return {pk: areas_of(Pathway.COSMETIC, m) for pk, m in muscles.items()}


# ---- reads: responder numbers and the chart panel --------------------------------------------


@dataclass(frozen=True)
class Rating:
    """One assessment compared with its baseline (changes are None without a baseline)."""

    assessment_id: UUID
    kind: str
    kind_label: str
    rater: str
    assessed_on: date
    grade_at_rest: int
    grade_at_max: int
    change_at_rest: int | None
    change_at_max: int | None
    none_or_mild: bool
    two_grade: bool | None  # forehead lines only (outcomes.two_grade_improvement)
    encounter_id: UUID | None


@dataclass(frozen=True)
class Duration:
    """A session of this area and when its effect wore off (None: not reported yet)."""

    encounter_id: UUID
    session_on: date
    product: str
    wore_off_on: date | None

    @property
    def days(self) -> int | None:
        return None if self.wore_off_on is None else (self.wore_off_on - self.session_on).days


@dataclass(frozen=True)
class AreaStatus:
    """Everything the panel shows for one area."""

    area: str
    area_name: str
    baseline: Rating | None
    latest: Rating | None
    ratings: list[Rating]
    responder_note: str
    durations: list[Duration]
    goals: str = ""
    prior_treatments: list[PriorTreatment] = field(default_factory=list)


def responder_status(patient: Patient, area: str, *, by: User) -> AreaStatus:
    """One area's FWS baseline, later ratings with change from baseline, and durations."""
    require_role(by, CLINICAL_READ, "view cosmetic assessments")
    area = cosmetic_area(area)
    with transaction.atomic():
        statuses = _statuses(patient, [area])
        record(
            "cosmetic.assessment.read",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"codes": [area]},
        )
    return statuses[0]


def cosmetic_summary(patient: Patient, *, by: User) -> list[AreaStatus]:
    """Every area with an assessment or a treated session, for the chart's cosmetic panel."""
    return cosmetic_overview(patient, by=by).statuses


@dataclass(frozen=True)
class Session:
    """A signed cosmetic session: when, which product, and the cosmetic areas it treated."""

    encounter_id: UUID
    at: datetime
    product: str
    areas: list[str]


@dataclass(frozen=True)
class Overview:
    """The cosmetic panel's reads: each area's status, and the signed sessions (oldest first)
    with the wear-off dates they were read with, for the panel's next touch-up."""

    statuses: list[AreaStatus]
    sessions: list[Session]
    wore_off: dict[tuple[UUID, str], date]


def cosmetic_overview(patient: Patient, *, by: User) -> Overview:
    """`cosmetic_summary` with the sessions it read: four queries whatever the history (the
    assessments, their prior treatments, the signed sessions with their muscles, the wear-off
    dates), audited as that summary."""
    require_role(by, CLINICAL_READ, "view cosmetic assessments")
    # No savepoint of its own inside a page's transaction (the chart's): it only reads, and
    # any error here ends the page.
    with transaction.atomic(savepoint=False):
        rows = _assessments(patient)
        sessions = _signed_sessions(patient, "at")
        treated = {a for s in sessions for a in s.areas}
        order = {code: i for i, code in enumerate(cosmetic_areas())}
        wanted = sorted({r.area for r in rows} | treated, key=order.__getitem__)
        wore_off = wore_off_dates([patient.pk])
        statuses = [_area_status(area, rows, sessions, wore_off) for area in wanted]
        record(
            "cosmetic.assessment.read",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(statuses)},
        )
    return Overview(statuses, sessions, wore_off)


def _signed_sessions(patient: Patient, order: str) -> list[Session]:
    """The patient's signed cosmetic sessions and their treated areas, oldest first (`order`
    "at") or newest first ("-at"): one grouped query (`snapshots.signed_sessions`), none on a
    page that has read them already (the chart)."""
    from bonta.domain.anatomy import areas_of

    found = [
        Session(v.encounter_id, v.at, v.product, areas_of(Pathway.COSMETIC, v.muscles))
        for v in signed_sessions(patient.pk, Pathway.COSMETIC)
    ]
    if order == "-at":
        found.sort(key=lambda s: s.at, reverse=True)  # stable: same-time sessions by id
    return found


_ASSESSMENTS: Statement[CosmeticAssessment] = Statement(
    lambda patient_id: CosmeticAssessment.objects.filter(patient_id=patient_id).order_by(
        "assessed_on", "recorded_at"
    ),
    patient_id=field_of(CosmeticAssessment, "patient"),
)
_PRIORS: Statement[PriorTreatment] = Statement(
    lambda patient_id: PriorTreatment.objects.filter(assessment__patient_id=patient_id).order_by(
        "approx_on", "id"
    ),
    patient_id=field_of(CosmeticAssessment, "patient"),
)


def _assessments(patient: Patient, wanted: Iterable[str] | None = None) -> list[CosmeticAssessment]:
    """The patient's assessments (of the `wanted` areas, or all), oldest first, each with its
    prior treatments: two queries, the second run even when there is no assessment."""
    if wanted is None:  # the chart's (compiled once: bonta.db.prepared)
        found = _ASSESSMENTS.run(patient_id=patient.pk)
        priors: Iterable[PriorTreatment] = _PRIORS.run(patient_id=patient.pk)
    else:
        rows = CosmeticAssessment.objects.filter(patient_id=patient.pk, area__in=list(wanted))
        found = list(rows.order_by("assessed_on", "recorded_at"))
        priors = PriorTreatment.objects.filter(
            assessment__patient_id=patient.pk, assessment__area__in=list(wanted)
        ).order_by("approx_on", "id")
    by_assessment: dict[UUID, list[PriorTreatment]] = defaultdict(list)
    for prior in priors:
        by_assessment[prior.assessment_id].append(prior)
    for row in found:
        row.priors = by_assessment.get(row.pk, [])  # type: ignore[attr-defined]
    return found


def _statuses(patient: Patient, wanted: list[str]) -> list[AreaStatus]:
    rows = _assessments(patient, wanted)
    sessions = _signed_sessions(patient, "at")
    wore_off = wore_off_dates([patient.pk])
    return [_area_status(area, rows, sessions, wore_off) for area in wanted]


def _area_status(
    area: str,
    rows: list[CosmeticAssessment],
    sessions: list[Session],
    wore_off: dict[tuple[UUID, str], date],
) -> AreaStatus:
    mine = [r for r in rows if r.area == area]
    session_on = {s.encounter_id: local_date(s.at) for s in sessions}
    rated = [(r, _rating(r, _baseline_of(r, mine, session_on))) for r in mine]
    own = [(r, rating) for r, rating in rated if r.rater == Rater.INVESTIGATOR]
    baselines = [(r, rating) for r, rating in own if r.kind == AssessmentKind.BASELINE]
    later = [rating for r, rating in own if r.kind != AssessmentKind.BASELINE]
    baseline_row, baseline = baselines[-1] if baselines else (None, None)
    durations = [
        Duration(
            s.encounter_id,
            session_on[s.encounter_id],
            s.product,
            wore_off.get((s.encounter_id, area)),
        )
        for s in sessions
        if area in s.areas
    ]
    return AreaStatus(
        area=area,
        area_name=areas()[area].name,
        baseline=baseline,
        latest=later[-1] if later else None,
        ratings=[rating for _, rating in rated],
        responder_note=outcomes.responder_note(area),
        durations=durations,
        goals=baseline_row.goals if baseline_row else "",
        prior_treatments=list(baseline_row.priors) if baseline_row else [],  # type: ignore[attr-defined]
    )


def _baseline_of(
    row: CosmeticAssessment, rows: list[CosmeticAssessment], session_on: dict[UUID, date]
) -> CosmeticAssessment | None:
    """A review's baseline: the same rater's latest baseline on or before its session."""
    if row.kind == AssessmentKind.BASELINE or row.encounter_id is None:
        return None
    on = session_on.get(row.encounter_id, row.assessed_on)
    found = [
        b
        for b in rows
        if b.kind == AssessmentKind.BASELINE and b.rater == row.rater and b.assessed_on <= on
    ]
    return found[-1] if found else None


def _rating(row: CosmeticAssessment, baseline: CosmeticAssessment | None) -> Rating:
    change_rest = change_max = None
    two_grade = None
    if baseline is not None:
        change_rest = outcomes.improvement(baseline.grade_at_rest, row.grade_at_rest)
        change_max = outcomes.improvement(baseline.grade_at_max, row.grade_at_max)
        two_grade = outcomes.two_grade_improvement(
            row.area, baseline.grade_at_max, row.grade_at_max
        )
    return Rating(
        assessment_id=row.pk,
        kind=row.kind,
        kind_label=row.get_kind_display(),
        rater=row.rater,
        assessed_on=row.assessed_on,
        grade_at_rest=row.grade_at_rest,
        grade_at_max=row.grade_at_max,
        change_at_rest=change_rest,
        change_at_max=change_max,
        none_or_mild=outcomes.none_or_mild(row.grade_at_max),
        two_grade=two_grade,
        encounter_id=row.encounter_id,
    )


def get_session(patient: Patient, encounter_id: object) -> Encounter:
    """A signed cosmetic session of this patient (for the forms), else NotFound."""
    found = Encounter.objects.filter(
        pk=encounter_id,
        patient_id=patient.pk,
        pathway=Pathway.COSMETIC,
        status=EncounterStatus.SIGNED,
    ).first()
    if found is None:
        raise NotFound("No such signed cosmetic session.")
    return found


@dataclass(frozen=True)
class SessionArea:
    """One area treated in one signed cosmetic session (for choosing what a review assesses)."""

    encounter_id: UUID
    session_on: date
    product: str
    area: str


def treated_session_areas(patient: Patient) -> list[SessionArea]:
    """Every area of every signed cosmetic session of this patient, newest session first.
    Not audited: the page that lists them audits its read."""
    return [
        SessionArea(s.encounter_id, local_date(s.at), s.product, area)
        for s in _signed_sessions(patient, "-at")
        for area in s.areas
    ]
