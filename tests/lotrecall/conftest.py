"""Lot recall fixtures: three signed sessions, two from lot RC-1 and one from lot OTHER-9."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.records import services
from bonta.records.models import Patient
from records import clinic
from records.clinic import SESSION_AT, glabellar_session, make_patient, make_vial

dr_grey = clinic.dr_grey
nurse_noor = clinic.nurse_noor
rita_reception = clinic.rita_reception
max_manager = clinic.max_manager


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_max(max_manager: User) -> Client:
    return client_for(max_manager)


@pytest.fixture
def as_grey(dr_grey: User) -> Client:
    return client_for(dr_grey)


@pytest.fixture
def as_noor(nurse_noor: User) -> Client:
    return client_for(nurse_noor)


@pytest.fixture
def exposed(dr_grey: User) -> dict[str, Patient]:
    """Alice and Bea received lot RC-1 (Bea twice, a week apart); Cy received OTHER-9 only."""
    recalled = make_vial(dr_grey, lot="RC-1")
    other = make_vial(dr_grey, lot="OTHER-9")
    alice = make_patient(dr_grey, "A-001", phone="+44 20 7946 0001", email="alice@example.org")
    bea = make_patient(dr_grey, "B-002", given_name="Bea", family_name="Baker")
    cy = make_patient(dr_grey, "C-003", given_name="Cy", family_name="Cole")
    services.sign_encounter(glabellar_session(alice, dr_grey, recalled), dr_grey)
    services.sign_encounter(glabellar_session(bea, dr_grey, recalled), dr_grey)
    later = make_vial(
        dr_grey, lot="RC-1", reconstituted_at=SESSION_AT + timedelta(days=120, minutes=-60)
    )
    services.sign_encounter(
        glabellar_session(bea, dr_grey, later, at=SESSION_AT + timedelta(days=120)), dr_grey
    )
    services.sign_encounter(glabellar_session(cy, dr_grey, other), dr_grey)
    # A draft from the recalled lot is not an administration: Cy must still not appear.
    glabellar_session(cy, dr_grey, recalled, at=SESSION_AT + timedelta(days=200))
    return {"alice": alice, "bea": bea, "cy": cy}
