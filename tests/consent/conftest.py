"""Consent fixtures: the records personas, Bob (a patient with no consent yet), web clients."""

from __future__ import annotations

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.records.models import Patient
from records.clinic import (  # noqa: F401 - fixtures
    alice,
    dr_grey,
    make_patient,
    max_manager,
    nurse_noor,
    rita_reception,
)


@pytest.fixture
def bob(dr_grey: User) -> Patient:  # noqa: F811 - the imported fixture
    """A patient who has signed nothing yet."""
    return make_patient(dr_grey, "B-001", given_name="Bob", family_name="Baker", consents=())


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_grey(dr_grey: User) -> Client:  # noqa: F811
    return client_for(dr_grey)


@pytest.fixture
def as_noor(nurse_noor: User) -> Client:  # noqa: F811
    return client_for(nurse_noor)


@pytest.fixture
def as_rita(rita_reception: User) -> Client:  # noqa: F811
    return client_for(rita_reception)


@pytest.fixture
def as_max(max_manager: User) -> Client:  # noqa: F811
    return client_for(max_manager)
