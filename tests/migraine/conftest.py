"""Diary fixtures: the records personas, Alice's patient login, and signed migraine sessions.

Personas: Dr Grey (clinician), Noor (nurse), Rita (reception: no clinical data), Max (manager:
reads, never writes clinical data). Alice keeps her own diary; Bob is another patient.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bonta.accounts.models import User
from bonta.domain.pathways import Pathway
from bonta.records.models import Course, Encounter, EncounterStatus, Patient
from records.clinic import (  # noqa: F401
    alice,
    dr_grey,
    make_patient,
    max_manager,
    nurse_noor,
    rita_reception,
)
from records.conftest import pytest_collection_modifyitems  # noqa: F401 - skip postgres-only

TODAY = date(2025, 6, 30)


@pytest.fixture
def bob(dr_grey: User) -> Patient:  # noqa: F811 - the fixture, by name
    return make_patient(dr_grey, record_number="B-002", given_name="Bob", family_name="Baker")


def signed_migraine_sessions(
    patient: Patient,
    by: User,
    *days: date,
    status: str = EncounterStatus.SIGNED,
    pathway: Pathway = Pathway.CHRONIC_MIGRAINE,
) -> list[Encounter]:
    """Encounters written directly, as an import would (no plan); signed migraine by default."""
    course = Course.objects.create(patient=patient, pathway=pathway.value, started_on=min(days))
    sessions = []
    for day in days:
        at = datetime.combine(day, time(10, 0), tzinfo=UTC)
        sessions.append(
            Encounter.objects.create(
                patient=patient,
                course=course,
                pathway=pathway.value,
                at=at,
                product="botox",
                clinician=by,
                status=status,
                signed_by=by if status == EncounterStatus.SIGNED else None,
                signed_at=at if status == EncounterStatus.SIGNED else None,
            )
        )
    return sessions
