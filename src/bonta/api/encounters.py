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
    EncounterIn,
    EncounterOut,
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
        **_plan(payload),
    )
    return Status(201, services.get_encounter(encounter.pk, by=user))


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
    user = user_of(request)
    encounter = services.load(Encounter, encounter_id, "encounter")
    services.sign_encounter(encounter, user, payload.overrides)
    return services.get_encounter(encounter_id, by=user)


@router.post("/{encounter_id}/addenda", response={201: AddendumOut, **ERRORS})
def add_addendum(request: HttpRequest, encounter_id: UUID, payload: AddendumIn) -> Status[Any]:
    encounter = services.load(Encounter, encounter_id, "encounter")
    addendum = services.amend_encounter(
        encounter, by=user_of(request), reason=payload.reason, text=payload.text
    )
    return Status(201, addendum)


def _plan(payload: PlanIn) -> dict[str, Any]:
    return {
        "protocol": payload.protocol,
        "vial": payload.vial_id,
        "injections": [
            services.InjectionInput(i.muscle, i.side, i.units, i.point, i.vial_id)
            for i in payload.injections
        ],
    }
