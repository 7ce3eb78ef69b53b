"""The cosmetic panel's context: per area the FWS baseline and latest rating, the numbers from
`services.cosmetic_overview`, observed durations, and the next touch-up with its basis.

The touch-up is what `bonta.appointments.services.propose_next_visits` proposes after each
area's latest session, worked out from what the overview already read (the sessions with their
areas, the wear-off dates) and the patient's history (`patient_history`, which the chart page
has read once): the same proposals and the same audit event per session, in a fixed number of
queries whatever the number of sessions or areas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from bonta.accounts.models import User
from bonta.appointments.services.proposals import (
    AreaProposal,
    keyed_by_session_day,
    propose_for_area,
)
from bonta.audit.log import record
from bonta.cosmetic import outcomes
from bonta.cosmetic.services import AreaStatus, Duration, Overview, cosmetic_overview
from bonta.domain.pathways import Pathway
from bonta.domain.scheduling import Basis, SignedSession
from bonta.records.models import Patient
from bonta.records.services._common import CLINICAL_READ, CLINICAL_WRITE, require_role
from bonta.records.snapshots import local_date, patient_history

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
    overview = cosmetic_overview(patient, by=user)
    statuses = overview.statuses
    latest_ids = {s.area: s.durations[-1].encounter_id if s.durations else None for s in statuses}
    proposals = _proposals(patient, overview, {pk for pk in latest_ids.values() if pk}, user)
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


def _proposals(
    patient: Patient, overview: Overview, encounter_ids: set[UUID], user: User
) -> dict[tuple[UUID | None, str], AreaProposal]:
    """Per session in `encounter_ids`, the next visits for each area it treated, as
    `propose_next_visits` gives them (the history up to the session, the wear-off dates keyed
    by session day), each session's proposals audited as that function audits them."""
    if not encounter_ids:
        return {}
    require_role(user, CLINICAL_READ, "see proposed visits")
    history = patient_history(patient.pk)
    wore_off = keyed_by_session_day(
        overview.wore_off,
        ((s.encounter_id, local_date(s.at), s.product) for s in overview.sessions),
    )
    found: dict[tuple[UUID | None, str], AreaProposal] = {}
    for session in overview.sessions:  # oldest first, as the encounters' own ordering
        if session.encounter_id not in encounter_ids:
            continue
        on = local_date(session.at)
        before = [h for h in history if h.on <= on]
        proposals = [
            propose_for_area(
                SignedSession(on, Pathway.COSMETIC, session.product, area), before, wore_off
            )
            for area in session.areas
        ]
        record(
            "encounter.propose_next_visits",
            actor=user,
            object_type="encounter",
            object_id=session.encounter_id,
            patient_id=patient.pk,
            detail={"count": sum(1 for p in proposals if p.visits is not None)},
        )
        found.update({(session.encounter_id, p.area): p for p in proposals})
    return found
