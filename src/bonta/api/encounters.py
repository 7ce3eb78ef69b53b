"""/api/encounters: draft with a plan, read, replace the plan, check, sign, add addenda."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status

from bonta.api.auth import user_of
from bonta.api.errors import ERRORS
from bonta.api.schemas import (
    AddendumIn,
    AddendumOut,
    CheckOut,
    CountersignatureRequestIn,
    CountersignatureRequestOut,
    EncounterIn,
    EncounterOut,
    OverrideIn,
    PlanIn,
    SignIn,
)
from bonta.records import services
from bonta.records.models import Encounter, Patient

router = Router(tags=["encounters"])


@router.post("", response={201: EncounterOut, **ERRORS})
def open_encounter(request: HttpRequest, payload: EncounterIn) -> Status[Any]:
    user = user_of(request)
    patient = services.load(Patient, payload.patient_id, "patient")
    encounter = services.open_encounter(
        patient,
        by=user,
        pathway=payload.pathway,
        product=payload.product,
        at=payload.at,
        as_read=True,
        **_plan(payload),
    )
    # The draft as a GET gives it, from the rows just written (audited as `encounter.open`
    # and `encounter.plan`): no second read or transaction.
    return Status(201, encounter)


@router.get("/{encounter_id}", response={200: EncounterOut, **ERRORS})
def get_encounter(request: HttpRequest, encounter_id: UUID) -> Encounter:
    return services.get_encounter(encounter_id, by=user_of(request))


@router.put("/{encounter_id}/plan", response={200: EncounterOut, **ERRORS})
def replace_plan(request: HttpRequest, encounter_id: UUID, payload: PlanIn) -> Encounter:
    user = user_of(request)
    encounter = services.load(Encounter, encounter_id, "encounter")
    services.plan_treatment(encounter, by=user, **_plan(payload))
    return services.get_encounter(encounter_id, by=user)


@router.post("/{encounter_id}/check", response={200: CheckOut, **ERRORS})
def check(request: HttpRequest, encounter_id: UUID) -> dict[str, Any]:
    encounter = services.load(Encounter, encounter_id, "encounter")
    findings, summary = services.review_plan(encounter, by=user_of(request))
    return {
        "ok": not any(f.severity == "block" for f in findings),
        "findings": [f.as_dict() for f in findings],
        "totals": summary.totals,
        "points": summary.points,
    }


@router.post("/{encounter_id}/sign", response={200: EncounterOut, **ERRORS})
def sign(request: HttpRequest, encounter_id: UUID, payload: SignIn) -> Encounter:
    """Sign off. Each clinical block the check raises needs an override with a coded reason and
    a note; a hard stop is refused whatever is sent (fix the record or the plan); a block that
    needs a countersignature is refused here (422, `overrides[i].countersigner`): request one.
    Each refusal is a 422 naming its field, and writes nothing.

    The response is the signed encounter as a GET gives it, built from the rows sign-off has
    just written (no second read or transaction; the audited `encounter.sign` records it)."""
    # No separate load: sign-off's locking read finds the encounter (404 when there is none).
    return services.sign_encounter(
        Encounter(pk=encounter_id), user_of(request), _overrides(payload.overrides)
    )


@router.post(
    "/{encounter_id}/countersignature-request",
    response={201: CountersignatureRequestOut, **ERRORS},
)
def request_countersignature(
    request: HttpRequest, encounter_id: UUID, payload: CountersignatureRequestIn
) -> Status[Any]:
    """Sign the overrides of a plan whose blocks need a second clinician; nothing is signed
    until a different clinician countersigns with their own token (POST …/countersign). A
    change to the plan withdraws the request."""
    encounter = services.load(Encounter, encounter_id, "encounter")
    pending = services.request_countersignature(
        encounter, by=user_of(request), overrides=_overrides(payload.overrides)
    )
    return Status(201, pending)


@router.post("/{encounter_id}/countersign", response={200: EncounterOut, **ERRORS})
def countersign(request: HttpRequest, encounter_id: UUID) -> Encounter:
    """The second clinician countersigns the pending request, authenticated by their own token:
    the countersignature is their act, never an id the first clinician sends. 422 `countersigner`
    when it is the requester; 409 when nothing is pending or the plan changed."""
    user = user_of(request)
    encounter = services.load(Encounter, encounter_id, "encounter")
    # As for sign: the signed encounter built from the rows sign-off wrote, not read again.
    return services.countersign_encounter(encounter, by=user)


@router.post("/{encounter_id}/addenda", response={201: AddendumOut, **ERRORS})
def add_addendum(request: HttpRequest, encounter_id: UUID, payload: AddendumIn) -> Status[Any]:
    encounter = services.load(Encounter, encounter_id, "encounter")
    addendum = services.amend_encounter(
        encounter, by=user_of(request), reason=payload.reason, text=payload.text
    )
    return Status(201, addendum)


def _overrides(given: list[OverrideIn]) -> list[services.OverrideInput]:
    return [services.OverrideInput(o.finding, o.reason, o.note) for o in given]


def _plan(payload: PlanIn) -> dict[str, Any]:
    return {
        "protocol": payload.protocol,
        "vial": payload.vial_id,
        "injections": [
            services.InjectionInput(i.muscle, i.side, i.units, i.point, i.vial_id)
            for i in payload.injections
        ],
    }
