"""Web fixtures: the records personas, each with a logged-in test client.

Dr Grey (clinician) signs; Noor (nurse) plans but cannot sign; Rita (reception) sees
demographics only; Max (manager) reads clinical records but changes none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.records.models import (
    Addendum,
    Administration,
    AdverseEvent,
    Encounter,
    Patient,
    PlannedInjection,
    Vial,
)
from records import clinic
from records.clinic import SESSION_AT, glabellar_session, make_vial

# The records personas and patient, shared as fixtures (see tests/records/clinic.py).
dr_grey = clinic.dr_grey
dr_okafor = clinic.dr_okafor
nurse_noor = clinic.nurse_noor
rita_reception = clinic.rita_reception
max_manager = clinic.max_manager
alice = clinic.alice


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_grey(dr_grey: User) -> Client:
    return client_for(dr_grey)


@pytest.fixture
def as_okafor(dr_okafor: User) -> Client:
    return client_for(dr_okafor)


@pytest.fixture
def as_noor(nurse_noor: User) -> Client:
    return client_for(nurse_noor)


@pytest.fixture
def as_rita(rita_reception: User) -> Client:
    return client_for(rita_reception)


@pytest.fixture
def as_max(max_manager: User) -> Client:
    return client_for(max_manager)


@pytest.fixture
def draft(alice: Patient, dr_grey: User) -> Encounter:
    """Alice's glabellar draft (5 × 4 U BOTOX Cosmetic) from a reconstituted vial."""
    return glabellar_session(alice, dr_grey, make_vial(dr_grey))


@pytest.fixture
def fresh_vial(dr_grey: User) -> Vial:
    return make_vial(dr_grey, lot="FRESH", reconstituted_at=SESSION_AT - timedelta(hours=1))


def counts() -> dict[str, int]:
    """Row counts of everything a page could write; compared before and after a refusal."""
    models = (Patient, Encounter, PlannedInjection, Administration, Vial, AdverseEvent, Addendum)
    rows = {m.__name__: m.objects.count() for m in models}
    rows["writes audited"] = (
        AuditEvent.objects.exclude(action__contains="read")
        .exclude(action__in=["patient.search", "patient.list", "patient.chart", "encounter.check"])
        .count()
    )
    return rows


@pytest.fixture
def unchanged() -> Callable[[], None]:
    """Call once to snapshot, and the returned function asserts nothing changed since."""
    before = counts()

    def check() -> None:
        assert counts() == before

    return check  # type: ignore[return-value]
