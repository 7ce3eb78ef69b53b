"""The home page's to-do lists that other apps own: consents to sign (`bonta.consent`) and
wear-off check-ins (`bonta.cosmetic`). Loaders only: the home page audits its own read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from bonta.domain.anatomy import areas
from bonta.records.models import Patient


@dataclass(frozen=True, slots=True)
class ConsentDue:
    kind: str
    label: str
    version: int
    renewal: bool  # an earlier version was signed; this is a new version of the text
    product: str = ""  # the product the text is worded for ("" for photography)


@dataclass(frozen=True, slots=True)
class CheckInDue:
    encounter_id: UUID
    area: str
    area_name: str
    week: int
    session_on: date


def consents_due(patient: Patient) -> list[ConsentDue]:
    """Consents the patient is asked to sign: the pathways they are treated on, and any kind
    whose earlier signed version has been replaced by a new one (photography included)."""
    from bonta.consent.services import consent_statuses, treated_products

    pathways = set(patient.courses.values_list("pathway", flat=True))
    return [
        ConsentDue(s.kind, s.label, s.document.version, s.earlier is not None, s.product)
        for s in consent_statuses(patient.pk, wanted=treated_products(patient.pk))
        if s.needs_signature
        and s.document is not None
        and (s.kind in pathways or s.earlier is not None)
    ]


def checkins_due(patient: Patient, today: date) -> list[CheckInDue]:
    """Wear-off check-ins due today (weeks 8, 12 and 16 after a signed cosmetic session)."""
    from bonta.cosmetic.services import due_checkins

    names = {code: area.name for code, area in areas().items()}
    return [
        CheckInDue(c.encounter_id, c.area, names.get(c.area, c.area), c.week, c.session_on)
        for c in due_checkins(patient, today)
    ]


def home_panels(patient: Patient, today: date) -> dict[str, Any]:
    return {"consents": consents_due(patient), "checkins": checkins_due(patient, today)}
