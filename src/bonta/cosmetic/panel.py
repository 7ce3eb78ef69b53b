"""The cosmetic panel's context: per area the FWS baseline and latest rating, the numbers from
`services.cosmetic_summary`, observed durations, and the next touch-up with its basis
(`bonta.appointments.services.propose_next_visits`, which reads the wear-off dates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from bonta.accounts.models import User
from bonta.appointments.services import propose_next_visits
from bonta.appointments.services.proposals import AreaProposal
from bonta.cosmetic import outcomes
from bonta.cosmetic.services import AreaStatus, Duration, cosmetic_summary
from bonta.domain.scheduling import Basis
from bonta.records.models import Encounter, Patient
from bonta.records.services._common import CLINICAL_WRITE

CHART_DURATIONS = 3  # the chart lists the latest sessions; the cosmetic page lists them all


@dataclass(frozen=True)
class AreaPanel:
    status: AreaStatus
    proposal: AreaProposal | None
    basis_label: str
    durations: list[Duration]  # the ones shown (the latest CHART_DURATIONS on the chart)
    earlier: int  # sessions not shown


def basis_label(proposal: AreaProposal | None, status: AreaStatus) -> str:
    """The basis in words ("label minimum", "population", "this patient's last 2 treatments")."""
    if proposal is None or proposal.visits is None:
        return ""
    basis = proposal.visits.treatment.basis
    if basis is Basis.PERSONAL:
        latest = status.durations[-1].product if status.durations else None
        n = sum(1 for d in status.durations if d.days is not None and d.product == latest)
        return f"personal: this patient's {n} recorded duration{'' if n == 1 else 's'}"
    return {Basis.POPULATION: "population figure", Basis.LABEL_MINIMUM: "label minimum"}[basis]


def panel_context(patient: Patient, user: User, *, on_chart: bool = False) -> dict[str, Any]:
    """Everything `cosmetic/_panel.html` shows; the reads are audited by the services."""
    statuses = cosmetic_summary(patient, by=user)
    latest_ids = {s.area: s.durations[-1].encounter_id if s.durations else None for s in statuses}
    proposals = _proposals({pk for pk in latest_ids.values() if pk is not None}, user)
    panels = []
    for status in statuses:
        proposal = proposals.get((latest_ids[status.area], status.area), None)
        shown = status.durations[-CHART_DURATIONS:] if on_chart else status.durations
        label = basis_label(proposal, status)
        panels.append(AreaPanel(status, proposal, label, shown, len(status.durations) - len(shown)))
    return {
        "patient": patient,
        "areas": panels,
        "writes": user.role in CLINICAL_WRITE,
        "fws_source": outcomes.FWS_SOURCE,
        "grades": outcomes.FWS_GRADES,
        "on_chart": on_chart,
    }


def _proposals(encounter_ids: set[UUID], user: User) -> dict[tuple[UUID | None, str], AreaProposal]:
    found: dict[tuple[UUID | None, str], AreaProposal] = {}
    for encounter in Encounter.objects.filter(pk__in=encounter_ids):
        for proposal in propose_next_visits(encounter, by=user):
            found[(encounter.pk, proposal.area)] = proposal
    return found
