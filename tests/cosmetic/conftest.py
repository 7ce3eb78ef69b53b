"""Cosmetic fixtures: the records personas, Alice's signed glabellar session, her portal login.

Alice's session is on 2025-03-03 (SESSION_AT, a UTC clinic): weeks 8, 12 and 16 after it are
2025-04-28, 2025-05-26 and 2025-06-23.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bonta.accounts.models import Role, User
from bonta.records import services
from bonta.records.models import Encounter, Patient
from records import clinic
from records.clinic import (
    SESSION_AT,
    glabellar_session,
    make_patient,
    make_user,
    make_vial,
    preempt_session,
)

# The records personas and patient, shared as fixtures (see tests/records/clinic.py).
dr_grey = clinic.dr_grey
nurse_noor = clinic.nurse_noor
rita_reception = clinic.rita_reception
max_manager = clinic.max_manager
alice = clinic.alice

SESSION_ON = SESSION_AT.date()  # 2025-03-03


def signed_glabellar(patient: Patient, by: User, at: datetime = SESSION_AT) -> Encounter:
    vial = make_vial(by, lot=f"G{at:%Y%j}", reconstituted_at=at - timedelta(hours=1))
    return services.sign_encounter(glabellar_session(patient, by, vial, at=at), by)


def signed_upper_face(patient: Patient, by: User, at: datetime = SESSION_AT) -> Encounter:
    """Forehead and glabellar lines together, BOTOX Cosmetic 40 U (label §2.2)."""
    vial = make_vial(by, lot=f"U{at:%Y%j}", reconstituted_at=at - timedelta(hours=1))
    draft = services.open_encounter(
        patient,
        by=by,
        pathway="cosmetic",
        product="botox_cosmetic",
        at=at,
        protocol="forehead_and_glabellar_lines",
        vial=vial.pk,
    )
    return services.sign_encounter(draft, by)


def signed_preempt(patient: Patient, by: User, at: datetime = SESSION_AT) -> Encounter:
    vial = make_vial(
        by,
        product="botox",
        size_units="200",
        diluent_ml="4",
        lot=f"M{at:%Y%j}",
        reconstituted_at=at - timedelta(hours=1),
    )
    return services.sign_encounter(preempt_session(patient, by, vial, at=at), by)


@pytest.fixture
def session(alice: Patient, dr_grey: User) -> Encounter:
    """Alice's signed glabellar session (BOTOX Cosmetic 20 U) on 2025-03-03."""
    return signed_glabellar(alice, dr_grey)


@pytest.fixture
def alice_portal(alice: Patient) -> User:
    """Alice's own portal account (role patient, linked by bonta.portal)."""
    from bonta.portal.models import PortalAccount

    user = make_user("alice_portal", Role.PATIENT)
    PortalAccount.objects.create(user=user, patient=alice)
    return user


@pytest.fixture
def bob(dr_grey: User) -> Patient:
    return make_patient(dr_grey, "B-002", given_name="Bob", family_name="Baker")


def week(n: int) -> date:
    return SESSION_ON + timedelta(weeks=n)
