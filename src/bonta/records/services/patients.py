"""Patients: create, update standing safety flags, and audited reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from uuid import UUID

from django.db import transaction

from bonta.accounts.models import User
from bonta.audit.log import audited_read, record
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
    optional_text,
    require_role,
    required_text,
)

SEXES = ("female", "male", "other", "unknown")
FACTOR_KINDS = ("conditions", "allergies", "medications")


FLAG_FIELDS = ("pregnant", "breastfeeding", *FACTOR_KINDS, "infection_sites")
BOOL_FLAGS = ("pregnant", "breastfeeding")


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
        """Flags for a new patient: a field left out is recorded as none."""
        if raw is None or isinstance(raw, PatientFlags):
            return raw or cls()
        return cls(**_parse_flags(raw, complete=False))  # type: ignore[arg-type]

    @classmethod
    def of_patient(cls, patient: Patient) -> PatientFlags:
        return cls(
            pregnant=patient.pregnant,
            breastfeeding=patient.breastfeeding,
            **{k: tuple(getattr(patient, k)) for k in (*FACTOR_KINDS, "infection_sites")},
        )


def _parse_flags(raw: Mapping[str, Any], *, complete: bool) -> dict[str, object]:
    """Check the shape of flags as sent: known fields, booleans as booleans, lists of codes.

    `complete`: every field must be present, so that replacing the flags never clears one by
    omission (an empty body would otherwise erase a recorded allergy). To record "none", send
    false or an empty list.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("flags", "must be an object of safety flags")
    unknown = sorted(set(raw) - set(FLAG_FIELDS))
    if unknown:
        raise InvalidInput(
            f"flags.{unknown[0]}", f"is not a safety flag (known: {', '.join(FLAG_FIELDS)})"
        )
    if complete:
        for name in FLAG_FIELDS:
            if name not in raw:
                none = "false" if name in BOOL_FLAGS else "[]"
                raise InvalidInput(f"flags.{name}", f"is required (send {none} to record none)")
    parsed: dict[str, object] = {}
    for name, value in raw.items():
        if name in BOOL_FLAGS:
            if not isinstance(value, bool):
                raise InvalidInput(f"flags.{name}", "must be true or false")
            parsed[name] = value
            continue
        if not isinstance(value, list | tuple):
            raise InvalidInput(f"flags.{name}", "must be a list of codes ([] for none)")
        for index, code in enumerate(value):
            if not isinstance(code, str):
                raise InvalidInput(f"flags.{name}[{index}]", "must be a code (text)")
        parsed[name] = tuple(value)
    return parsed


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
        email=optional_text(email, "email", 254),
        phone=optional_text(phone, "phone", 32),
    )
    _apply_flags(patient, PatientFlags.of(flags))
    changes = flag_changes(PatientFlags(), PatientFlags.of_patient(patient))
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
            detail={"changes": changes} if changes else None,
        )
    return patient


def update_patient_flags(
    patient: Patient, *, by: User, flags: PatientFlags | Mapping[str, Any]
) -> Patient:
    """Replace the patient's standing safety flags: every field must be given.

    A field left out is refused (`InvalidInput` naming it), never taken as "none": clearing a
    flag is explicit (false, or an empty list). The audit event records before → after.
    """
    require_role(by, CLINICAL_WRITE, "record safety flags")
    if not isinstance(flags, PatientFlags):
        flags = PatientFlags(**_parse_flags(flags, complete=True))  # type: ignore[arg-type]
    return _write_flags(patient, by, lambda _current: flags)


def amend_patient_flags(patient: Patient, *, by: User, changes: Mapping[str, Any]) -> Patient:
    """Change only the safety flags named in `changes`; the others stay as recorded."""
    require_role(by, CLINICAL_WRITE, "record safety flags")
    parsed = _parse_flags(changes, complete=False)
    if not parsed:
        raise InvalidInput("flags", "name at least one safety flag to change")
    return _write_flags(patient, by, lambda current: replace(current, **parsed))  # type: ignore[arg-type]


def _write_flags(
    patient: Patient, by: User, new_flags: Callable[[PatientFlags], PatientFlags]
) -> Patient:
    with transaction.atomic():
        # Lock like sign-off does, so a sign-off never checks against half-updated flags; the
        # new value is worked out from the locked row, so a concurrent change is not lost.
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        before = PatientFlags.of_patient(locked)
        _apply_flags(locked, new_flags(before))
        locked.save(update_fields=list(FLAG_FIELDS))
        record(
            "patient.update_flags",
            actor=by,
            object_type="patient",
            object_id=locked.pk,
            patient_id=locked.pk,
            detail={"changes": flag_changes(before, PatientFlags.of_patient(locked))},
        )
    return locked


def flag_changes(before: PatientFlags, after: PatientFlags) -> dict[str, dict[str, object]]:
    """Each changed flag as {"before": …, "after": …} (codes sorted), for the audit log."""

    def shown(value: object) -> object:
        return sorted(value) if isinstance(value, tuple) else value  # type: ignore[type-var]

    return {
        name: {"before": shown(getattr(before, name)), "after": shown(getattr(after, name))}
        for name in FLAG_FIELDS
        if shown(getattr(before, name)) != shown(getattr(after, name))
    }


def get_patient(patient_id: UUID | str, *, by: User) -> Patient:
    """One patient's record; the read is audited."""
    require_role(by, ANY_STAFF, "view patients")
    with audited_read():
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
    with audited_read():
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
