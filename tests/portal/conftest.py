"""Portal fixtures: the records personas, and Alice and Bob with their own portal accounts.

Alice (A-001) and Bob (B-002) are patients of Dr Grey's clinic; each signs in to the portal
as their own patient-role user. Rita (reception) and Noor (nurse) may invite patients;
Max (manager) may not.
"""

from __future__ import annotations

import pytest
from django.test import Client

from bonta.accounts.models import Role, User
from bonta.portal.models import PortalAccount
from bonta.records.models import Course, Patient
from records.clinic import (  # noqa: F401
    alice,
    dr_grey,
    make_patient,
    make_user,
    max_manager,
    nurse_noor,
    rita_reception,
)
from records.conftest import pytest_collection_modifyitems  # noqa: F401 - skip postgres-only


@pytest.fixture
def bob(dr_grey: User) -> Patient:  # noqa: F811 - the fixture, by name
    return make_patient(dr_grey, record_number="B-002", given_name="Bob", family_name="Baker")


def portal_user(patient: Patient, username: str) -> User:
    """A patient-role user linked to `patient` (no password: tests sign in with force_login)."""
    user = make_user(username, Role.PATIENT)
    PortalAccount.objects.create(user=user, patient=patient)
    return user


def migraine_course(patient: Patient) -> Course:
    return Course.objects.create(
        patient=patient, pathway="chronic_migraine", started_on="2025-01-06"
    )


@pytest.fixture
def alice_user(alice: Patient) -> User:  # noqa: F811
    migraine_course(alice)
    return portal_user(alice, "alice")


@pytest.fixture
def bob_user(bob: Patient) -> User:
    migraine_course(bob)
    return portal_user(bob, "bob")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_alice(alice_user: User) -> Client:
    return client_for(alice_user)


@pytest.fixture
def as_rita(rita_reception: User) -> Client:  # noqa: F811
    return client_for(rita_reception)
