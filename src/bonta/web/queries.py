"""Audited reads the web needs that the records services do not offer yet.

Each belongs in `bonta.records.services` (reads, audited with `bonta.audit.log.record` in the
same transaction); they live here until the records owner moves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import (
    Case,
    F,
    Q,
    QuerySet,
    When,
)
from django.template.defaultfilters import floatformat
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.plan import PastTreatment
from bonta.records.models import (
    Administration,
    AdverseEvent,
    AdverseEventOutcome,
    Encounter,
    EncounterStatus,
    Patient,
    PlannedInjection,
    Vial,
)
from bonta.records.models.base import UNITS_TOTAL_FIELD, units_total
from bonta.records.services import vials_with_usage
from bonta.records.services._common import ANY_STAFF, CLINICAL_READ, load, require_role
from bonta.records.snapshots import patient_history
from bonta.web.templatetags.bonta import brand

PAGE_SIZE = 25
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")
OPEN_OUTCOMES = (AdverseEventOutcome.ONGOING, AdverseEventOutcome.RESOLVING)


def search_patients(query: str, *, by: User, page: int = 1) -> Page[Patient]:
    """Patients whose name, record number or date of birth matches; the search is audited."""
    require_role(by, ANY_STAFF, "view patients")
    rows = _matching(query.strip())
    with transaction.atomic():
        found = Paginator(rows, PAGE_SIZE).get_page(page)
        record(
            "patient.search",
            actor=by,
            object_type="patient",
            detail={"count": len(found.object_list)},
        )
    return found


def _matching(query: str) -> QuerySet[Patient]:
    rows = Patient.objects.all()
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


@dataclass(frozen=True)
class Chart:
    patient: Patient
    encounters: list[TimelineEntry]  # newest first
    history: tuple[PastTreatment, ...]
    open_events: list[AdverseEvent]


def patient_chart(patient_id: UUID | str, *, by: User) -> Chart:
    """Everything the chart shows, in a fixed number of queries whatever the history length."""
    require_role(by, CLINICAL_READ, "view clinical records")
    with transaction.atomic():
        patient = load(Patient, patient_id, "patient")
        chart = Chart(
            patient=patient,
            encounters=_timeline(patient),
            history=patient_history(patient.pk),
            open_events=list(
                patient.adverse_events.filter(outcome__in=OPEN_OUTCOMES).order_by("-onset")
            ),
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


def _timeline(patient: Patient) -> list[TimelineEntry]:
    """Units given for a signed encounter, planned for a draft; values, not model instances."""
    signed = Q(status=EncounterStatus.SIGNED)
    rows = (
        Encounter.objects.filter(patient=patient)
        .annotate(
            units=Case(
                When(signed, then=units_total(Administration, "encounter_id", "pk")),
                default=units_total(PlannedInjection, "encounter_id", "pk"),
                output_field=UNITS_TOTAL_FIELD,
            )
        )
        .order_by("-at")
        .values_list("id", "at", "pathway", "product", "status", "units")
    )
    return [
        TimelineEntry(
            pk=pk,
            pathway=pathway,
            status=status,
            status_label=EncounterStatus(status).label,
            # As the date filter would: the active time zone's calendar date.
            date=f"{timezone.localtime(at):%Y-%m-%d}",
            what=(
                f"{brand(product)} · {floatformat(units, '-2')} U"
                if status == EncounterStatus.SIGNED
                else f"{brand(product)} · planned {floatformat(units, '-2')} U"
            ),
        )
        for pk, at, pathway, product, status, units in rows
    ]


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
