"""Proposed next visits after a signed encounter, from the domain scheduling core; nothing booked.

The boundary mapping lives here and is shared with the recall list: a `PastTreatment` (one per
signed encounter and product, or one external record) becomes one `AreaTreatment` per
treatment area its muscles touch on its pathway (`bonta.domain.anatomy.area_of`). Its units are
the session's total for that product: the duration model validates but does not use units.
Bonta stores no wear-off dates yet (the portal check-in is a later slice), so `wore_off_on` is
always None here and touch-up windows rest on the population figure or the label minimum.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.anatomy import area_of
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
        proposals = [
            propose_for_area(SignedSession(on, pathway, encounter.product, area), history)
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


def propose_for_area(session: SignedSession, history: Iterable[PastTreatment]) -> AreaProposal:
    """The domain's next visits for one area; a refusal (e.g. no label interval) is kept."""
    try:
        visits = next_visits(session, area_history(session.area, history))
    except InvalidInput as refused:
        return AreaProposal(session.area, None, refused.message)
    return AreaProposal(session.area, visits)


def areas_of(pathway: Pathway, muscles: Iterable[str]) -> list[str]:
    """The treatment areas these muscles belong to on the pathway, sorted."""
    return sorted({a for m in muscles if (a := area_of(pathway, m)) is not None})


def area_history(area: str, history: Iterable[PastTreatment]) -> tuple[AreaTreatment, ...]:
    """The treatments that touched `area` (records with unknown muscles cannot say: left out)."""
    return tuple(
        AreaTreatment(on=h.on, product=h.product, area=area, units=h.units)
        for h in history
        if h.muscles is not None and area in areas_of(h.pathway, h.muscles)
    )


def first_day(visits: NextVisits) -> date:
    """The first proposed visit: the review if there is one, else the recommended date."""
    return visits.review.on if visits.review is not None else visits.treatment.recommended
