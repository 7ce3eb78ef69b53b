"""Patients: create, update standing safety flags, and audited reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.db import transaction

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.anatomy import get_muscle
from bonta.domain.errors import InvalidInput
from bonta.domain.reference import FACTOR_NOUN
from bonta.domain.reference import load as load_reference
from bonta.records.models import Patient
from bonta.records.services._common import (
    ANY_STAFF,
    CLINICAL_WRITE,
    a_date,
    load,
    not_in_future,
    require_role,
    required_text,
)

SEXES = ("female", "male", "other", "unknown")
FACTOR_KINDS = ("conditions", "allergies", "medications")


@dataclass(frozen=True)
class PatientFlags:
    """Standing safety flags; codes from domain/reference/patient_factors.toml and anatomy."""

    pregnant: bool = False
    breastfeeding: bool = False
    conditions: tuple[str, ...] = ()
    allergies: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    infection_sites: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, raw: PatientFlags | Mapping[str, Any] | None) -> PatientFlags:
        if raw is None or isinstance(raw, PatientFlags):
            return raw or cls()
        return cls(**{k: tuple(v) if isinstance(v, list | tuple) else v for k, v in raw.items()})


def create_patient(
    *,
    by: User,
    record_number: str,
    given_name: str,
    family_name: str,
    birth_date: date,
    sex: str = "unknown",
    email: str = "",
    phone: str = "",
    flags: PatientFlags | Mapping[str, Any] | None = None,
) -> Patient:
    """Register a patient; reception may register, only clinical staff may set safety flags."""
    require_role(by, ANY_STAFF, "register patients")
    if flags is not None:
        require_role(by, CLINICAL_WRITE, "record safety flags")
    patient = Patient(
        record_number=required_text(record_number, "record_number", 32),
        given_name=required_text(given_name, "given_name", 150),
        family_name=required_text(family_name, "family_name", 150),
        birth_date=not_in_future(a_date(birth_date, "birth_date"), "birth_date"),
        sex=_sex(sex),
        email=email.strip(),
        phone=phone.strip(),
    )
    _apply_flags(patient, PatientFlags.of(flags))
    with transaction.atomic():
        if Patient.objects.filter(record_number=patient.record_number).exists():
            raise InvalidInput("record_number", "is already in use")
        patient.save(force_insert=True)
        record(
            "patient.create",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
        )
    return patient


def update_patient_flags(
    patient: Patient, *, by: User, flags: PatientFlags | Mapping[str, Any]
) -> Patient:
    """Replace the patient's standing safety flags (all of them, as given)."""
    require_role(by, CLINICAL_WRITE, "record safety flags")
    parsed = PatientFlags.of(flags)
    with transaction.atomic():
        # Lock like sign-off does, so a sign-off never checks against half-updated flags.
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        _apply_flags(locked, parsed)
        locked.save(update_fields=["pregnant", "breastfeeding", *FACTOR_KINDS, "infection_sites"])
        record(
            "patient.update_flags",
            actor=by,
            object_type="patient",
            object_id=locked.pk,
            patient_id=locked.pk,
        )
    return locked


def get_patient(patient_id: UUID | str, *, by: User) -> Patient:
    """One patient's record; the read is audited."""
    require_role(by, ANY_STAFF, "view patients")
    with transaction.atomic():
        patient = load(Patient, patient_id, "patient")
        record(
            "patient.read",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
        )
    return patient


def list_patients(*, by: User, limit: int = 50, offset: int = 0) -> list[Patient]:
    """A page of patients; the listing is audited (count only, no identities)."""
    require_role(by, ANY_STAFF, "view patients")
    with transaction.atomic():
        patients = list(Patient.objects.all()[offset : offset + limit])
        record("patient.list", actor=by, object_type="patient", detail={"count": len(patients)})
    return patients


def _sex(value: str) -> str:
    if value not in SEXES:
        raise InvalidInput("sex", f"unknown value {value!r} (known: {', '.join(SEXES)})")
    return value


def _apply_flags(patient: Patient, flags: PatientFlags) -> None:
    patient.pregnant = bool(flags.pregnant)
    patient.breastfeeding = bool(flags.breastfeeding)
    for kind in FACTOR_KINDS:
        setattr(patient, kind, _factor_codes(kind, getattr(flags, kind)))
    patient.infection_sites = _muscle_codes(flags.infection_sites)


def _factor_codes(kind: str, codes: Iterable[str]) -> list[str]:
    known = load_reference("patient_factors")[kind]
    for index, code in enumerate(codes):
        if code not in known:
            raise InvalidInput(
                f"flags.{kind}[{index}]",
                f"unknown {FACTOR_NOUN[kind]} {code!r} (known: {', '.join(sorted(known))})",
            )
    return sorted(set(codes))


def _muscle_codes(codes: Iterable[str]) -> list[str]:
    for index, code in enumerate(codes):
        get_muscle(code, f"flags.infection_sites[{index}]")
    return sorted(set(codes))
