from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.records import services
from bonta.records.models import AdverseEvent, Patient
from records import clinic
from records.clinic import glabellar_session, make_patient, make_vial

dr_grey = clinic.dr_grey
nurse_noor = clinic.nurse_noor
rita_reception = clinic.rita_reception
max_manager = clinic.max_manager


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_grey(dr_grey: User) -> Client:
    return client_for(dr_grey)


@pytest.fixture
def as_rita(rita_reception: User) -> Client:
    return client_for(rita_reception)


@pytest.fixture
def patient(dr_grey: User) -> Patient:
    return make_patient(dr_grey, "A-001", given_name="Alice Mae", family_name="Archer")


@pytest.fixture
def event(patient: Patient, dr_grey: User) -> AdverseEvent:
    """Eyelid ptosis after a signed glabellar session from lot PT-77 (expiry 2030-01-01); the
    patient's record lists a medication and a condition (set after the session, so the test
    does not need an override)."""
    encounter = glabellar_session(patient, dr_grey, make_vial(dr_grey, lot="PT-77"))
    services.sign_encounter(encounter, dr_grey)
    Patient.objects.filter(pk=patient.pk).update(
        medications=["aminoglycoside"], conditions=["myasthenia_gravis"]
    )
    patient.refresh_from_db()
    return services.record_adverse_event(
        patient,
        by=dr_grey,
        type="eyelid_ptosis",
        onset=date(2025, 3, 10),
        severity="moderate",
        serious=True,
        outcome="resolving",
        encounter=encounter,
        notes="Left upper lid droop 2 mm.",
    )
