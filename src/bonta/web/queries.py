"""Audited reads the web needs that the records services do not offer yet.

Each belongs in `bonta.records.services` (reads, audited with `bonta.audit.log.record` in the
same transaction); they live here until the records owner moves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import audited_read, record
from bonta.db.prepared import Statement, field_of
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.records.errors import NotFound
from bonta.records.models import (
    AdverseEvent,
    AdverseEventOutcome,
    Course,
    Encounter,
    EncounterStatus,
    ExternalAdministration,
    Patient,
    PlannedInjection,
    Vial,
)
from bonta.records.models.base import UNITS_TOTAL_FIELD, units_total
from bonta.records.services import vials_with_usage
from bonta.records.services._common import ANY_STAFF, CLINICAL_READ, require_role
from bonta.records.snapshots import CodeList, SignedVisit, signed_treatment, with_external
from bonta.web.templatetags.bonta import brand

PAGE_SIZE = 25
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")
OPEN_OUTCOMES = (AdverseEventOutcome.ONGOING, AdverseEventOutcome.RESOLVING)


def search_patients(query: str, *, by: User, page: int = 1) -> Page[Patient]:
    """Patients whose name, record number or date of birth matches; the search is audited."""
    require_role(by, ANY_STAFF, "view patients")
    rows = _matching(query.strip())
    with audited_read():
        found = Paginator(rows, PAGE_SIZE).get_page(page)
        record(
            "patient.search",
            actor=by,
            object_type="patient",
            detail={"count": len(found.object_list)},
        )
    return found


def _matching(query: str) -> QuerySet[Patient]:
    """Patients matching `query`, each annotated with the pathways it has a course on
    (`pathway_cosmetic`, `pathway_chronic_migraine`: booleans from subqueries, so a page of the
    list is still one query, whatever its length)."""
    courses = Course.objects.filter(patient_id=OuterRef("pk"))
    rows = Patient.objects.annotate(
        **{f"pathway_{way.value}": Exists(courses.filter(pathway=way.value)) for way in Pathway}
    )
    if not query:
        return rows
    born = _as_date(query)
    if born is not None:
        return rows.filter(birth_date=born)
    match = Q(record_number__iexact=query) | Q(record_number__istartswith=query)
    for word in re.split(r"[\s,]+", query):
        if word:
            match |= Q(given_name__istartswith=word) | Q(family_name__istartswith=word)
    words = [w for w in re.split(r"[\s,]+", query) if w]
    if len(words) > 1:  # "maria garcia" / "garcia, maria": every word must match a name
        match = Q()
        for word in words:
            match &= Q(given_name__istartswith=word) | Q(family_name__istartswith=word)
    return rows.filter(match)


def _as_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date only
        except ValueError:
            continue
    return None


def open_drafts(patient: Patient, *, by: User) -> list[Encounter]:
    """The patient's unsigned encounters, newest first, each with `points` (planned injections);
    offered on the encounter-start page so a second "Open encounter" continues the draft instead
    of making another one. The read is audited (count only)."""
    require_role(by, CLINICAL_READ, "view clinical records")
    with transaction.atomic():
        drafts = list(
            Encounter.objects.filter(patient=patient, status=EncounterStatus.DRAFT)
            .annotate(points=Count("plan"))
            .order_by("-at", "id")
        )
        record(
            "encounter.drafts.read",
            actor=by,
            object_type="encounter",
            patient_id=patient.pk,
            detail={"count": len(drafts)},
        )
    return drafts


def next_record_number() -> str:
    """A free record number in the demo's style (BN0000001), offered on the new-patient form."""
    number = Patient.objects.count() + 1
    while Patient.objects.filter(record_number=f"BN{number:07d}").exists():
        number += 1
    return f"BN{number:07d}"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One encounter on the chart, its text formatted once here (a long history has dozens)."""

    pk: UUID
    pathway: str
    status: str
    status_label: str
    date: str  # the clinic's calendar date, YYYY-MM-DD
    what: str  # "BOTOX · 155 U" given, or "BOTOX · planned 20 U" for a draft
    product: str = ""  # the encounter's product code (the consent panel's treated products)


@dataclass(frozen=True)
class Chart:
    patient: Patient
    encounters: list[TimelineEntry]  # newest first
    history: tuple[PastTreatment, ...]
    open_events: list[AdverseEvent]
    migraine_course: bool = False  # the patient has a chronic-migraine course (diary link)
    sessions: tuple[SignedVisit, ...] = ()  # every signed encounter, with its muscles
    external: tuple[ExternalAdministration, ...] = ()  # given elsewhere, newest first
    # (pathway, product) of every encounter, planned or given: the consents the patient needs
    # (`consent.services.treated_products`, which the consent panel reuses from here)
    treated_products: frozenset[tuple[str, str]] = frozenset()


def patient_chart(patient_id: UUID | str, *, by: User) -> Chart:
    """Everything the chart shows, in a fixed number of queries whatever the history length.

    Four reads: the patient (with whether a migraine course exists), every encounter with its
    units and muscles (the timeline and the signed history from one grouped query), external
    records, open adverse events; then the audit event.
    """
    require_role(by, CLINICAL_READ, "view clinical records")
    # No savepoint of its own inside the chart page's transaction: any error here ends the page.
    with transaction.atomic(savepoint=False):
        patient = _chart_patient(patient_id)
        timeline, signed, sessions = _encounters(patient)
        external = tuple(_EXTERNAL_NEWEST_FIRST.run(patient_id=patient.pk))
        chart = Chart(
            patient=patient,
            encounters=timeline,
            sessions=sessions,
            external=external,
            treated_products=frozenset((e.pathway, e.product) for e in timeline),
            history=with_external(signed, patient.pk, external),
            open_events=_OPEN_EVENTS.run(patient_id=patient.pk),
            migraine_course=patient.migraine_course,  # type: ignore[attr-defined]
        )
        record(
            "patient.chart",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(chart.encounters)},
        )
    return chart


def _patient_with_course(patient_id: UUID) -> QuerySet[Patient]:
    migraine = Course.objects.filter(
        patient_id=OuterRef("pk"), pathway=Pathway.CHRONIC_MIGRAINE.value
    )
    return Patient.objects.annotate(migraine_course=Exists(migraine)).filter(pk=patient_id)


# The chart's reads, compiled once per thread (bonta.db.prepared): a page of ~25 queries spent
# more of its time turning querysets into SQL than the database spent answering them.
_PATIENT_WITH_COURSE: Statement[Patient] = Statement(
    _patient_with_course, patient_id=field_of(Patient, "id")
)
_EXTERNAL_NEWEST_FIRST: Statement[ExternalAdministration] = Statement(
    lambda patient_id: ExternalAdministration.objects.filter(patient_id=patient_id).order_by(
        "-on", "-pk"
    ),
    patient_id=field_of(ExternalAdministration, "patient"),
)
_OPEN_EVENTS: Statement[AdverseEvent] = Statement(
    lambda patient_id: AdverseEvent.objects.filter(
        patient_id=patient_id, outcome__in=OPEN_OUTCOMES
    ).order_by("-onset"),
    patient_id=field_of(AdverseEvent, "patient"),
)


def _chart_patient(patient_id: UUID | str) -> Patient:
    try:
        found = _PATIENT_WITH_COURSE.run(patient_id=patient_id)
    except (ValueError, ValidationError):  # ValidationError: bad UUID
        found = []
    if not found:
        raise NotFound("No such patient.")
    return found[0]


def _timeline(patient_id: UUID) -> QuerySet[Encounter]:
    return (
        Encounter.objects.filter(patient_id=patient_id)
        .values_list("id", "at", "pathway", "product", "status", "administrations__product")
        .annotate(given=Sum("administrations__units"), muscles=CodeList("administrations__muscle"))
        .annotate(
            planned=Case(
                When(status=EncounterStatus.SIGNED, then=Value(None)),
                default=units_total(PlannedInjection, "encounter_id", "pk"),
                output_field=UNITS_TOTAL_FIELD,
            )
        )
        .order_by("-at", "id")
    )


_TIMELINE: Statement[tuple[UUID, datetime, str, str, str, str, Decimal, str, Decimal]] = Statement(
    _timeline, patient_id=field_of(Encounter, "patient")
)


def _encounters(
    patient: Patient,
) -> tuple[list[TimelineEntry], list[PastTreatment], tuple[SignedVisit, ...]]:
    """The timeline (units given for a signed encounter, planned for a draft), the signed
    history (one `PastTreatment` per signed encounter and product) and the signed encounters
    with their muscles (for the panels, `snapshots.signed_sessions`), from one grouped query.

    Values, not model instances. The planned total is a subquery that only drafts evaluate.
    """
    rows = _TIMELINE.run(patient_id=patient.pk)
    units: dict[UUID, Decimal] = {}
    encounters: dict[UUID, tuple[datetime, str, str, str]] = {}
    signed: list[PastTreatment] = []
    treated: dict[UUID, set[str]] = {}
    for pk, at, pathway, product, status, given_product, given, muscles, planned in rows:
        encounters.setdefault(pk, (at, pathway, product, status))
        if status == EncounterStatus.SIGNED:
            units[pk] = units.get(pk, Decimal(0)) + (given or 0)
            treated.setdefault(pk, set())
            if given_product is not None:
                signed.append(signed_treatment(at, pathway, given_product, given, muscles))
                treated[pk].update(muscles.split(CodeList.separator))
        else:
            units[pk] = planned
    labels = {s.value: str(s.label) for s in EncounterStatus}
    zone = timezone.get_current_timezone()
    return (
        [
            TimelineEntry(
                pk=pk,
                pathway=pathway,
                product=product,
                status=status,
                status_label=labels[status],
                # As the date filter would: the active time zone's calendar date.
                date=f"{at.astimezone(zone):%Y-%m-%d}",
                what=(
                    f"{brand(product)} · {units_text(units[pk])} U"
                    if status == EncounterStatus.SIGNED
                    else f"{brand(product)} · planned {units_text(units[pk])} U"
                ),
            )
            for pk, (at, pathway, product, status) in encounters.items()
        ],
        signed,
        tuple(
            SignedVisit(pk, at, pathway, product, frozenset(treated[pk]))
            for pk, (at, pathway, product, _) in encounters.items()
            if pk in treated
        ),
    )


def units_text(amount: Decimal) -> str:
    """Units as `floatformat:"-2"` shows them (155 → "155", 2.5 → "2.50"), without its
    localisation machinery (a long history formats dozens)."""
    if amount == amount.to_integral_value():
        return str(int(amount))
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"


# A display bound, not a rule: vials reconstituted more than a week ago are past any label
# window in the reference (24 h), so they are not offered; the safety check still decides.
STOCK_RECONSTITUTED_WITHIN = timedelta(days=7)


def vials_in_stock(product: str | None = None) -> list[Vial]:
    """Unexpired vials with units left (of `product`, or any), soonest expiry first.

    Annotated with `drawn` and `discarded`. Bounded in SQL so a clinic with millions of used
    vials pays only for the few still usable.
    """
    now = timezone.now()
    rows = vials_with_usage().filter(
        Q(reconstituted_at__isnull=True)
        | Q(reconstituted_at__gte=now - STOCK_RECONSTITUTED_WITHIN),
        expiry__gte=timezone.localdate(now, timezone.get_default_timezone()),
    )
    if product:
        rows = rows.filter(product=product)
    return list(rows.filter(size_units__gt=F("drawn") + F("discarded")))
