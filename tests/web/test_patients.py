"""Patient list and search, and the new-patient form with the standing safety flags."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bonta.audit.models import AuditEvent
from bonta.records.models import Patient
from records.clinic import SESSION_AT, glabellar_session, make_patient, make_vial, preempt_session

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


def namesakes(by, count: int, start: int = 0) -> list[Patient]:
    """`count` patients all called Lucas Novak, born on different days."""
    return [
        make_patient(
            by,
            f"BN{n:07d}",
            given_name="Lucas",
            family_name="Novak",
            birth_date=date(1960, 1, 1) + timedelta(days=400 * n),
            sex="male",
        )
        for n in range(start, start + count)
    ]


def test_namesakes_are_told_apart_by_birth_date_record_and_pathways(as_grey, dr_grey) -> None:
    cosmetic, migraine, both, neither = namesakes(dr_grey, 4)
    glabellar_session(cosmetic, dr_grey, make_vial(dr_grey))
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4", lot="B1")
    preempt_session(migraine, dr_grey, vial)
    preempt_session(both, dr_grey, vial, SESSION_AT.replace(year=SESSION_AT.year - 1))
    glabellar_session(both, dr_grey, make_vial(dr_grey, lot="C2"))

    html = as_grey.get("/patients/", {"q": "novak"}).content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 4
    cells = {}
    for row in rows:
        for patient in (cosmetic, migraine, both, neither):
            if patient.record_number in row:
                cells[patient.record_number] = row
    assert "1960-01-01" in cells[cosmetic.record_number]
    assert "(age " in cells[cosmetic.record_number]
    assert "pathway-cosmetic" in cells[cosmetic.record_number]
    assert "pathway-chronic_migraine" not in cells[cosmetic.record_number]
    assert "pathway-chronic_migraine" in cells[migraine.record_number]
    assert "pathway-cosmetic" not in cells[migraine.record_number]
    assert "pathway-cosmetic" in cells[both.record_number]
    assert "pathway-chronic_migraine" in cells[both.record_number]
    assert "none yet" in cells[neither.record_number]


def list_queries(client: Client) -> int:
    client.get("/patients/")  # the once-a-minute session touch happens here, not below
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/patients/", {"q": "novak"}).status_code == 200
    return len(captured)


def test_the_list_query_count_does_not_grow_with_the_patients_shown(as_grey, dr_grey) -> None:
    few = namesakes(dr_grey, 2)
    glabellar_session(few[0], dr_grey, make_vial(dr_grey))
    before = list_queries(as_grey)
    for patient in namesakes(dr_grey, 12, start=2):
        glabellar_session(patient, dr_grey, make_vial(dr_grey, lot=patient.record_number))
    assert list_queries(as_grey) == before


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
