"""Builds what the draft encounter screen shows: map, plan list, totals, vial, findings.

Findings come from `review_plan` (the domain's safety check); this module only arranges them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils import timezone

from bonta.accounts.models import User
from bonta.domain.anatomy import muscles
from bonta.domain.overrides import REASONS, override_need
from bonta.domain.pathways import BlockKind, OverrideNeed, Pathway, Severity
from bonta.domain.products import get_product
from bonta.domain.protocols import protocols
from bonta.domain.safety import Finding
from bonta.records import services
from bonta.records.models import Encounter, PlannedInjection, Vial
from bonta.records.services._common import WITNESS
from bonta.records.services.encounters import sign_off_refusal
from bonta.ui.access import SIGN
from bonta.web import injection_map, ledger, queries
from bonta.web.plan_form import PlanState, fingerprint, volumes

SEVERITY_TITLES = {
    Severity.BLOCK: "Blocks sign-off",
    Severity.WARN: "Warnings",
    Severity.INFO: "For information",
}


def default_new_units(pathway: Pathway, product: str) -> str:
    """Units for a newly placed point: the first template's per-site dose for this product."""
    for protocol in protocols().values():
        if protocol.pathway is pathway and product in protocol.units_per_site:
            return str(protocol.units_per_site[product])
    return ""


def offered_protocols(encounter: Encounter) -> list[Any]:
    way = Pathway(encounter.pathway)
    return [p for p in protocols().values() if p.pathway is way and encounter.product in p.products]


def initial_state(
    encounter: Encounter, vial: str = "", planned: list[PlannedInjection] | None = None
) -> PlanState:
    """The form as the stored plan fills it (`planned`: that plan, if already read)."""
    if planned is None:
        planned = list(encounter.plan.all())
    state = PlanState.from_plan(
        planned, default_new_units(Pathway(encounter.pathway), encounter.product)
    )
    state.vial = state.vial or vial
    state.protocol = encounter.protocol
    return state


def selected_vial(state: PlanState, planned: list[PlannedInjection] | None = None) -> Vial | None:
    """The form's vial with its usage (`drawn`, `discarded`); taken from `planned` when those
    rows were read by `snapshots.planned_rows` (the same sums) and draw from it, else read."""
    if not state.vial:
        return None
    for row in planned or ():
        if str(row.vial_id) == state.vial and hasattr(row, "vial_drawn"):
            vial = row.vial
            vial.drawn = row.vial_drawn  # type: ignore[attr-defined]
            vial.discarded = row.vial_discarded  # type: ignore[attr-defined]
            return vial
    try:
        return services.vials_with_usage().filter(pk=state.vial).first()
    except (ValueError, ValidationError):  # a malformed id selects nothing
        return None


def vial_view(vial: Vial | None) -> dict[str, Any] | None:
    if vial is None:
        return None
    product = get_product(vial.product)
    deadline = ledger.reconstitution_deadline(product, vial.reconstituted_at)
    return {
        "vial": vial,
        "remaining": vial.size_units - vial.drawn - vial.discarded,  # type: ignore[attr-defined]
        "deadline": deadline,
        "time_left": ledger.time_left(deadline, timezone.now()),
        "window_known": product.reconstitution_window is not None,
    }


def plan_context(
    encounter: Encounter,
    state: PlanState,
    planned_rows: list[PlannedInjection] | None = None,
    stock: list[Vial] | None = None,
) -> dict[str, Any]:
    """The map, the list and the totals; `planned_rows`: the stored plan, if already read;
    `stock`: this product's vials in stock for the points' vial choices (the full page reads
    it; the live check does not, and the page's script offers the stock it was loaded with)."""
    stock = stock or []
    way = Pathway(encounter.pathway)
    planned: dict[str, Decimal] = {}
    by_muscle: dict[str, Decimal] = {}
    for row in state.rows:
        try:
            units = Decimal(row.units)
        except InvalidOperation:
            continue
        planned[row.point] = planned.get(row.point, Decimal(0)) + units
        name = muscles()[row.muscle].name if row.muscle else row.point
        by_muscle[name] = by_muscle.get(name, Decimal(0)) + units
    vial = selected_vial(state, planned_rows)
    by_id = {str(v.pk): v for v in stock}
    for row in planned_rows or ():  # a vial the plan uses that is no longer in stock
        by_id.setdefault(str(row.vial_id), row.vial)
    by_id.update(_vials_named(r.vial for r in state.rows if r.vial and r.vial not in by_id))
    return {
        "encounter": encounter,
        "state": state,
        "rows": list(zip(state.rows, volumes(state.rows, vial, by_id), strict=True)),
        "row_vials": list(by_id.values()),
        "vial_totals": vial_totals(state, vial, by_id),
        "panels": injection_map.panels(planned, way),
        "map_view": injection_map.initial_view(state.map_view, planned, way),
        "groups": injection_map.muscle_groups(planned, way),
        "by_muscle": sorted(by_muscle.items()),
        "total_units": sum(planned.values(), Decimal(0)),
        "product": get_product(encounter.product),
        "vial_info": vial_view(vial),
    }


def check_context(
    encounter: Encounter,
    user: User,
    sign_values: Mapping[str, str],
    plan_ok: bool = True,
    planned: list[PlannedInjection] | None = None,
) -> dict[str, Any]:
    """Findings for the stored plan (`planned`: that plan, if already read) and the sign form.

    Blocks are split by kind: hard stops (no override field: fix the record or the plan) and
    clinical blocks (a coded reason from those that apply, a note, and whether a second
    clinician must countersign). A pending countersignature request replaces the sign form.
    """
    findings, summary = services.review_plan(encounter, by=user)
    if planned is None:
        planned = list(encounter.plan.all())
    blocks = _unique([f for f in findings if f.severity is Severity.BLOCK])
    hard_stops = [f for f in blocks if f.kind is BlockKind.HARD_STOP]
    clinical = [
        _clinical_block(f, sign_values) for f in blocks if f.kind is not BlockKind.HARD_STOP
    ]
    pending = services.pending_countersignature(encounter)
    return {
        "encounter": encounter,
        "findings_by_severity": _grouped(findings),
        "blocks": blocks,
        "hard_stops": hard_stops,
        "clinical_blocks": clinical,
        "needs_countersignature": any(b["countersign"] for b in clinical),
        "pending": _pending_view(pending, user) if pending is not None else None,
        "summary": summary,
        "fingerprint": fingerprint(planned),
        "can_sign": user.role in SIGN,
        "plan_ok": plan_ok and summary.points > 0,
        "consent_missing": consent_missing(encounter),
        "can_witness": user.role in WITNESS,
    }


def _clinical_block(f: Finding, sign_values: Mapping[str, str]) -> dict[str, Any]:
    return {
        "finding": f,
        "reasons": [(r.code, r.text) for r in REASONS.values() if f.code in r.applies_to],
        "reason": sign_values.get(f"override_reason_{f.code}", ""),
        "note": sign_values.get(f"override_note_{f.code}", ""),
        "countersign": f.override is OverrideNeed.REASON_AND_COUNTERSIGNATURE,
    }


def _pending_view(pending: Any, user: User) -> dict[str, Any]:
    return {
        "request": pending,
        "mine": pending.requested_by_id == user.pk,
        "overrides": [
            {**o, "reason_text": REASONS[o["reason"]].text if o["reason"] in REASONS else ""}
            for o in pending.overrides
        ],
    }


def override_inputs(data: Mapping[str, str]) -> list[services.OverrideInput]:
    """The sign form's overrides: `override_reason_<code>` and `override_note_<code>` per block.

    Every block the form names is passed on, even half filled, so sign-off refuses it by field
    rather than as a missing override.
    """
    prefix = "override_reason_"
    found = []
    for key in data:
        if not key.startswith(prefix):
            continue
        code = key.removeprefix(prefix)
        reason = str(data.get(key, "")).strip()
        note = str(data.get(f"override_note_{code}", "")).strip()
        if reason or note:
            found.append(services.OverrideInput(code, reason, note))
    return found


def needs_countersignature(overrides: Iterable[services.OverrideInput]) -> bool:
    """Whether any of these overrides waits for a second clinician (the request path)."""
    return any(
        override_need(o.finding) is OverrideNeed.REASON_AND_COUNTERSIGNATURE for o in overrides
    )


def consent_missing(encounter: Encounter) -> str:
    """Why sign-off would be refused for want of consent ("" when consent is current).

    The same preconditions `sign_encounter` applies (registered by bonta.consent), shown before
    sign-off.
    """
    return sign_off_refusal(encounter)


def _vials_named(ids: Iterable[str]) -> dict[str, Vial]:
    """The vials with these ids (malformed ids name none); one query, none if no id."""
    wanted = set()
    for key in ids:
        try:
            wanted.add(UUID(key))
        except ValueError:
            continue
    if not wanted:
        return {}
    return {str(v.pk): v for v in Vial.objects.filter(pk__in=wanted)}


def vial_totals(
    state: PlanState, vial: Vial | None, by_id: dict[str, Vial]
) -> list[tuple[str, Decimal]]:
    """Units drawn per vial lot when the plan draws from more than one vial, else []."""
    totals: dict[str, Decimal] = {}
    for row in state.rows:
        source = by_id.get(row.vial) if row.vial else vial
        try:
            units = Decimal(row.units)
        except InvalidOperation:
            continue
        lot = source.lot if source is not None else "?"
        totals[lot] = totals.get(lot, Decimal(0)) + units
    return sorted(totals.items()) if len(totals) > 1 else []


def stock_context(encounter: Encounter, stock: list[Vial] | None = None) -> dict[str, Any]:
    if stock is None:
        stock = queries.vials_in_stock(encounter.product)
    return {
        "stock": [vial_view(v) for v in stock],
        "protocols": offered_protocols(encounter),
    }


def _grouped(findings: list[Finding]) -> list[tuple[str, str, list[Finding]]]:
    return [
        (severity.value, title, [f for f in findings if f.severity is severity])
        for severity, title in SEVERITY_TITLES.items()
        if any(f.severity is severity for f in findings)
    ]


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for f in findings:
        seen.setdefault(f.code, f)
    return list(seen.values())
