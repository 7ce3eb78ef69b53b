"""Proposed next visits after a signed encounter, from the domain scheduling core; nothing booked.

The boundary mapping lives here and is shared with the recall list: a `PastTreatment` (one per
signed encounter and product, or one external record) becomes one `AreaTreatment` per
treatment area its muscles touch on its pathway (`bonta.domain.anatomy.area_of`). Its units are
the session's total for that product: the duration model validates but does not use units.

Wear-off dates come from `bonta.appointments.observations.wore_off_dates` (registered by
`bonta.cosmetic`) (the first report that movement
returned in an area after a session: a portal check-in, a staff entry, or a follow-up wrinkle
scale back to baseline; the rule is documented there and in docs/architecture.md). They are keyed
by (encounter, area); `session_wear_off` re-keys them by (session date, product, area) so they
attach to this patient's own treatments (imported records have none). A date later than the
area's next treatment (possible only when a session was back-dated after the report) is left
out, as the domain would refuse it (`check_history`). With observed durations the touch-up
window's basis is "personal"; otherwise the population figure or the label minimum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from django.db import transaction

from bonta.accounts.models import User
from bonta.appointments.observations import wore_off_dates
from bonta.audit.log import record
from bonta.domain.anatomy import areas_of
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.domain.scheduling import AreaTreatment, NextVisits, SignedSession, next_visits
from bonta.records.errors import Conflict
from bonta.records.models import Administration, Encounter
from bonta.records.services._common import CLINICAL_READ, require_role
from bonta.records.snapshots import local_date, patient_history


@dataclass(frozen=True)
class AreaProposal:
    """The next visits for one treated area, or why Bonta proposes none (`refused`)."""

    area: str
    visits: NextVisits | None
    refused: str = ""


def propose_next_visits(encounter: Encounter, *, by: User) -> list[AreaProposal]:
    """The review, next cycle or touch-up window per area of a signed encounter; not booked."""
    require_role(by, CLINICAL_READ, "see proposed visits")
    if not encounter.is_signed:
        raise Conflict("Next visits are proposed after sign-off; this encounter is a draft.")
    pathway = Pathway(encounter.pathway)
    on = local_date(encounter.at)
    with transaction.atomic():
        muscles = set(
            Administration.objects.filter(encounter_id=encounter.pk).values_list(
                "muscle", flat=True
            )
        )
        # The whole record up to this session (a proposal for an older encounter ignores what
        # came after it: the domain counts from the session, history on or before it).
        history = [h for h in patient_history(encounter.patient_id) if h.on <= on]
        wore_off = session_wear_off(encounter.patient_id)
        proposals = [
            propose_for_area(SignedSession(on, pathway, encounter.product, area), history, wore_off)
            for area in areas_of(pathway, muscles)
        ]
        record(
            "encounter.propose_next_visits",
            actor=by,
            object_type="encounter",
            object_id=encounter.pk,
            patient_id=encounter.patient_id,
            detail={"count": sum(1 for p in proposals if p.visits is not None)},
        )
    return proposals


WearOff = Mapping[tuple[date, str, str], date]  # (session date, product, area) → wore off on


def propose_for_area(
    session: SignedSession, history: Iterable[PastTreatment], wore_off: WearOff | None = None
) -> AreaProposal:
    """The domain's next visits for one area; a refusal (e.g. no label interval) is kept."""
    try:
        visits = next_visits(session, area_history(session.area, history, wore_off))
    except InvalidInput as refused:
        return AreaProposal(session.area, None, refused.message)
    return AreaProposal(session.area, visits)


def area_history(
    area: str, history: Iterable[PastTreatment], wore_off: WearOff | None = None
) -> tuple[AreaTreatment, ...]:
    """The treatments that touched `area` (records with unknown muscles cannot say: left out),
    each local one with its wear-off date if one is recorded (`session_wear_off`)."""
    wore_off = wore_off or {}
    treatments = [
        AreaTreatment(
            on=h.on,
            product=h.product,
            area=area,
            units=h.units,
            wore_off_on=wore_off.get((h.on, h.product, area)) if h.source == "local" else None,
        )
        for h in history
        if h.muscles is not None and area in areas_of(h.pathway, h.muscles)
    ]
    return tuple(_before_renewal(t, treatments) for t in treatments)


def _before_renewal(treatment: AreaTreatment, treatments: Iterable[AreaTreatment]) -> AreaTreatment:
    """Drop a wear-off date later than the area's next treatment (which renewed the effect)."""
    if treatment.wore_off_on is None:
        return treatment
    renewed = min((t.on for t in treatments if t.on > treatment.on), default=None)
    if renewed is not None and treatment.wore_off_on > renewed:
        return replace(treatment, wore_off_on=None)
    return treatment


def session_wear_off(patient_id: UUID) -> dict[tuple[date, str, str], date]:
    """This patient's wear-off dates keyed by (session date, product, area): two queries."""
    dates = wore_off_dates([patient_id])
    if not dates:
        return {}
    sessions = Encounter.objects.filter(pk__in={pk for pk, _ in dates}).values_list(
        "id", "at", "product"
    )
    return keyed_by_session_day(dates, ((pk, local_date(at), p) for pk, at, p in sessions))


def keyed_by_session_day(
    dates: Mapping[tuple[UUID, str], date], sessions: Iterable[tuple[UUID, date, str]]
) -> dict[tuple[date, str, str], date]:
    """Re-key `wore_off_dates` by (session date, product, area), as `area_history` reads them;
    `sessions` gives each encounter's local date and product (the earliest date wins when two
    sessions share a day, product and area)."""
    by_id = {pk: (on, product) for pk, on, product in sessions}
    keyed: dict[tuple[date, str, str], date] = {}
    for (pk, area), day in dates.items():
        if pk in by_id:
            on, product = by_id[pk]
            key = (on, product, area)
            keyed[key] = min(day, keyed.get(key, day))
    return keyed


def first_day(visits: NextVisits) -> date:
    """The first proposed visit: the review if there is one, else the recommended date."""
    return visits.review.on if visits.review is not None else visits.treatment.recommended
