"""/api/patients: register, list, read; safety flags; adverse events; external records."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from bonta.accounts.models import User
from bonta.api.auth import user_of
from bonta.api.errors import ERRORS
from bonta.api.schemas import (
    AdverseEventIn,
    AdverseEventOut,
    ExternalAdministrationIn,
    ExternalAdministrationOut,
    PatientFlagsIn,
    PatientFlagsPatch,
    PatientIn,
    PatientOut,
)
from bonta.records import services
from bonta.records.models import Encounter, Patient

router = Router(tags=["patients"])


MAX_LIMIT = 200
MAX_OFFSET = 10_000_000  # far beyond any clinic's patient count; keeps the SQL in range


class Page(Schema):
    """Paging through the patient list (README, "Technical limits"): out of range → 422."""

    limit: int = Field(default=50, ge=1, le=MAX_LIMIT, description="patients per page")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="patients to skip")


@router.get("", response={200: list[PatientOut], **ERRORS})
def list_patients(request: HttpRequest, page: Query[Page]) -> list[dict[str, object]]:
    user = user_of(request)
    patients = services.list_patients(by=user, limit=page.limit, offset=page.offset)
    return [patient_out(p, user) for p in patients]


@router.post("", response={201: PatientOut, **ERRORS})
def create_patient(request: HttpRequest, payload: PatientIn) -> Status[Any]:
    user = user_of(request)
    data = payload.dict()
    patient = services.create_patient(by=user, **data)
    return Status(201, patient_out(patient, user))


@router.get("/{patient_id}", response={200: PatientOut, **ERRORS})
def get_patient(request: HttpRequest, patient_id: UUID) -> dict[str, object]:
    user = user_of(request)
    return patient_out(services.get_patient(patient_id, by=user), user)


@router.put("/{patient_id}/flags", response={200: PatientOut, **ERRORS})
def update_flags(
    request: HttpRequest, patient_id: UUID, payload: PatientFlagsIn
) -> dict[str, object]:
    """Replace every safety flag; each field is required (send false / [] to record none)."""
    user = user_of(request)
    patient = services.get_patient(patient_id, by=user)
    return patient_out(services.update_patient_flags(patient, by=user, flags=payload.dict()), user)


@router.patch("/{patient_id}/flags", response={200: PatientOut, **ERRORS})
def amend_flags(
    request: HttpRequest, patient_id: UUID, payload: PatientFlagsPatch
) -> dict[str, object]:
    """Change only the safety flags sent; the others stay as recorded."""
    user = user_of(request)
    patient = services.get_patient(patient_id, by=user)
    changes = payload.dict(exclude_unset=True)
    return patient_out(services.amend_patient_flags(patient, by=user, changes=changes), user)


@router.get("/{patient_id}/adverse-events", response={200: list[AdverseEventOut], **ERRORS})
def list_adverse_events(request: HttpRequest, patient_id: UUID) -> list[object]:
    user = user_of(request)
    return services.list_adverse_events(_patient(patient_id), by=user)  # type: ignore[return-value]


@router.post("/{patient_id}/adverse-events", response={201: AdverseEventOut, **ERRORS})
def record_adverse_event(
    request: HttpRequest, patient_id: UUID, payload: AdverseEventIn
) -> Status[Any]:
    data = payload.dict()
    encounter_id = data.pop("encounter_id")
    encounter = services.load(Encounter, encounter_id, "encounter") if encounter_id else None
    event = services.record_adverse_event(
        _patient(patient_id), by=user_of(request), encounter=encounter, **data
    )
    return Status(201, event)


@router.post(
    "/{patient_id}/external-administrations", response={201: ExternalAdministrationOut, **ERRORS}
)
def record_external_administration(
    request: HttpRequest, patient_id: UUID, payload: ExternalAdministrationIn
) -> Status[Any]:
    data = payload.dict()
    data["pathway_code"] = data.pop("pathway")
    row = services.record_external_administration(_patient(patient_id), by=user_of(request), **data)
    return Status(201, row)


def patient_out(patient: Patient, user: User) -> dict[str, object]:
    """The patient as the API shows it; safety flags only to roles that see clinical data."""
    flags = None
    if user.sees_clinical_notes:
        flags = {
            "pregnant": patient.pregnant,
            "breastfeeding": patient.breastfeeding,
            "conditions": patient.conditions,
            "allergies": patient.allergies,
            "medications": patient.medications,
            "infection_sites": patient.infection_sites,
        }
    fields = ("id", "record_number", "given_name", "family_name", "birth_date", "sex", "email")
    return {**{f: getattr(patient, f) for f in fields}, "phone": patient.phone, "flags": flags}


def _patient(patient_id: UUID) -> Patient:
    return services.load(Patient, patient_id, "patient")
