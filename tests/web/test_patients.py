"""Patient list and search, and the new-patient form with the standing safety flags."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from bonta.audit.models import AuditEvent
from bonta.records.models import Patient
from records.clinic import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(dr_grey) -> None:
    make_patient(dr_grey, "BN0000001", given_name="Maria", family_name="Garcia")
    make_patient(
        dr_grey, "BN0000002", given_name="John", family_name="Khan", birth_date=date(1970, 1, 31)
    )
    make_patient(dr_grey, "BN0000003", given_name="Mariam", family_name="Silva")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("garcia", ["BN0000001"]),
        ("mari", ["BN0000001", "BN0000003"]),
        ("maria garcia", ["BN0000001"]),
        ("BN0000002", ["BN0000002"]),
        ("1970-01-31", ["BN0000002"]),
        ("31/01/1970", ["BN0000002"]),
        ("nobody", []),
    ],
)
def test_patients_are_found_by_name_birth_date_or_record_number(
    as_rita: Client, clinic, query: str, found: list[str]
) -> None:
    page = as_rita.get("/patients/", {"q": query}).context["page"]
    assert [p.record_number for p in page.object_list] == found


def test_the_list_is_paginated_and_the_search_is_audited(as_grey: Client, dr_grey) -> None:
    for n in range(30):
        make_patient(dr_grey, f"P{n:03d}")
    response = as_grey.get("/patients/", {"page": 2})
    assert len(response.context["page"].object_list) == 5
    assert b"Page 2 of 2" in response.content
    assert AuditEvent.objects.filter(action="patient.search").count() == 1


def test_a_clinician_registers_a_patient_with_safety_flags(as_grey: Client) -> None:
    response = as_grey.post(
        "/patients/new/",
        {
            "record_number": "N-1",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "birth_date": "1980-12-10",
            "sex": "female",
            "allergies": ["human_albumin"],
            "neuromuscular": ["myasthenia_gravis"],
            "conditions": ["respiratory_disorder"],
            "medications": ["aminoglycoside"],
            "breastfeeding": "on",
            "infection_sites": ["procerus"],
        },
    )
    patient = Patient.objects.get(record_number="N-1")
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.pk}/"
    assert patient.allergies == ["human_albumin"]
    assert patient.conditions == ["myasthenia_gravis", "respiratory_disorder"]
    assert patient.medications == ["aminoglycoside"]
    assert patient.breastfeeding
    assert not patient.pregnant
    assert patient.infection_sites == ["procerus"]
    chart = as_grey.get(response["Location"]).content.decode()
    for flag in (
        "Allergy: Human albumin",
        "Myasthenia gravis",
        "Breastfeeding",
        "Infection at Procerus",
    ):
        assert flag in chart


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"given_name": ""}, "given_name", "This field is required."),
        ({"birth_date": "31/02/1980"}, "birth_date", "Enter a valid date."),
        (
            {"birth_date": (timezone.localdate() + timedelta(days=2)).isoformat()},
            "birth_date",
            "cannot be in the future",
        ),
        ({"record_number": "A-001"}, "record_number", "is already in use"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"allergies": ["peanuts"]}, "allergies", "Select a valid choice."),
    ],
)
def test_bad_patient_input_is_refused_next_to_the_field_and_writes_nothing(
    as_grey: Client, alice, unchanged, change: dict, field: str, message: str
) -> None:
    data = {
        "record_number": "N-2",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "birth_date": "1980-12-10",
        "sex": "female",
        **change,
    }
    response = as_grey.post("/patients/new/", data)
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}-error"' in response.content.decode()
    unchanged()


def test_reception_registers_demographics_without_flag_fields(as_rita: Client) -> None:
    assert b"Standing safety flags" not in as_rita.get("/patients/new/").content
    response = as_rita.post(
        "/patients/new/",
        {
            "record_number": "R-1",
            "given_name": "Bo",
            "family_name": "Li",
            "birth_date": "1990-01-01",
            "sex": "male",
            "allergies": ["botulinum_toxin"],
        },
    )
    assert response.status_code == 302
    assert Patient.objects.get(record_number="R-1").allergies == []
