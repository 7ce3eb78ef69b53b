"""FHIR fixtures: a demo clinic, bearer keys per persona, a client that speaks FHIR JSON."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.accounts.tokens import issue_token
from bonta.demo.clinic import generate
from bonta.migraine.models import EnteredBy, QuestionnaireResponse
from bonta.records.models import Patient
from records.clinic import alice, dr_grey, max_manager, nurse_noor, rita_reception  # noqa: F401
from records.conftest import pytest_collection_modifyitems  # noqa: F401 - skip postgres-only


class FhirClient:
    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path: str, **headers: str) -> tuple[int, Any]:
        response = self.client.get(f"/fhir/R4/{path}", headers={**self.headers, **headers})
        self.last = response
        return response.status_code, json.loads(response.content)


def client_for(user: User) -> FhirClient:
    _, key = issue_token(user, "fhir tests")
    return FhirClient(key)


@pytest.fixture
def as_grey(dr_grey: User) -> FhirClient:  # noqa: F811
    return client_for(dr_grey)


@pytest.fixture
def as_rita(rita_reception: User) -> FhirClient:  # noqa: F811
    return client_for(rita_reception)


@pytest.fixture
def clinic(db: None, dr_grey: User) -> dict[str, int]:  # noqa: F811
    """A small demo clinic, plus HIT-6 and MIDAS totals (the demo makes no questionnaires)."""
    totals = generate(6, seed=4, years=1)
    patient = Patient.objects.order_by("record_number").first()
    assert patient is not None
    for instrument, score, band, by in (
        ("hit6", 64, "severe", EnteredBy.PATIENT),
        ("midas", 23, "IV", EnteredBy.STAFF),
    ):
        QuestionnaireResponse.objects.create(
            patient=patient,
            instrument=instrument,
            answers={},
            score=score,
            band=band,
            completed_on=date(2026, 1, 5),
            entered_by=by,
            recorded_by=dr_grey if by == EnteredBy.STAFF else None,
        )
    return totals
