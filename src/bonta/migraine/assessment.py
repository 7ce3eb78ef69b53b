"""The chronic-migraine assessment facts a clinician states: medication overuse managed or not.

NICE TA260 1.1 (clinical-reference §5) recommends botulinum toxin A only if "the condition is
appropriately managed for medication overuse". A diary shows overuse (ICHD-3 8.2) but not
whether it has been managed: that is a clinician's judgement, recorded here with its date and
kept as history. The NICE initiation verdict reads the latest statement made on or before the
date it judges (`bonta.domain.headache.nice.overuse_management_as_of`); without one it says "not
recorded" and is not evaluable.

Who may record it: clinicians (`SIGN`), as for any clinical judgement that can make a patient
eligible; nurses and managers read it. The note is free text about the patient, so it never
goes into the audit log — the event holds only whether the statement was "managed" or not.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.errors import InvalidInput
from bonta.domain.headache.nice import OveruseManagement as OveruseStatement
from bonta.migraine.models import OveruseManagement
from bonta.records.models import Patient
from bonta.records.services._common import SIGN, a_date, require_role

NOTE_MAX = 500


def record_overuse_management(
    patient: Patient,
    *,
    by: User,
    managed: object,
    recorded_on: object,
    note: object = "",
    today: date | None = None,
) -> OveruseManagement:
    """Record whether medication overuse is appropriately managed (TA260 1.1), audited."""
    require_role(by, SIGN, "record whether medication overuse is managed")
    if not isinstance(managed, bool):
        raise InvalidInput("managed", "must be yes or no")
    on = a_date(recorded_on, "recorded_on")
    today = today or timezone.localdate(timezone.now(), timezone.get_default_timezone())
    if on > today:
        raise InvalidInput("recorded_on", f"{on.isoformat()} is in the future (today is {today})")
    if not isinstance(note, str):
        raise InvalidInput("note", "must be text")
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput("note", f"must be at most {NOTE_MAX} characters")
    statement = OveruseManagement(
        patient=patient, recorded_on=on, managed=managed, note=text, recorded_by=by
    )
    with transaction.atomic():
        statement.save(force_insert=True)
        record(
            "overuse_management.record",
            actor=by,
            object_type="overuse_management",
            object_id=statement.pk,
            patient_id=patient.pk,
            detail={"status": "managed" if managed else "not_managed"},
        )
    return statement


def overuse_statements(patient: Patient) -> tuple[OveruseStatement, ...]:
    """The patient's statements as domain values, in the order they were recorded (a loader)."""
    rows = OveruseManagement.objects.filter(patient=patient).order_by("recorded_at", "id")
    return tuple(
        OveruseStatement(managed=managed, recorded_on=on)
        for managed, on in rows.values_list("managed", "recorded_on")
    )


def overuse_history(patient: Patient) -> list[OveruseManagement]:
    """Every statement with who made it, newest first (for the diary page; a loader)."""
    return list(
        OveruseManagement.objects.filter(patient=patient)
        .select_related("recorded_by")
        .order_by("-recorded_on", "-recorded_at")
    )
