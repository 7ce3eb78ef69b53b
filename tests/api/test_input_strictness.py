"""Loose input the security test found accepted, and bodies the API could not answer in JSON.

Integers as dates (`"birth_date": 0` → 1970-01-01), a NUL byte in a name, a plan of 20,000
points, an unparseable body answering an undocumented 400, a 5 MB body answering HTML.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from bonta.accounts.tokens import issue_token
from bonta.records.models import AdverseEvent, Encounter, Patient, Vial
from records.clinic import SESSION_AT, make_vial

pytestmark = pytest.mark.django_db

BOB = {"record_number": "B-002", "given_name": "Bob", "family_name": "Baker",
       "birth_date": "1979-02-01"}  # fmt: skip


def _fields(body) -> list[str]:
    return [e["field"] for e in body["errors"]]


@pytest.mark.parametrize(
    "value", [0, "0", 19790201, "1979-02-01T00:00:00", True, "1979-2-1", "19790201"]
)
def test_a_birth_date_must_be_written_as_a_date(as_grey, value):
    status, body = as_grey.post("/api/patients", {**BOB, "birth_date": value})
    assert (status, _fields(body)) == (422, ["birth_date"])
    assert not Patient.objects.exists()


@pytest.mark.parametrize("value", [0, "0", 1741000000, "2025-03-03"])
def test_a_session_time_must_be_written_as_a_date_and_time(as_grey, alice, dr_grey, value):
    vial = make_vial(dr_grey)
    body = {"patient_id": str(alice.pk), "pathway": "cosmetic", "product": "botox_cosmetic",
            "at": value, "protocol": "glabellar_lines", "vial_id": str(vial.pk)}  # fmt: skip
    status, answer = as_grey.post("/api/encounters", body)
    assert (status, _fields(answer)) == (422, ["at"])
    assert not Encounter.objects.exists()


VIAL = {"product": "botox", "expiry": "2030-01-01", "size_units": "100", "diluent_ml": "2"}


@pytest.mark.parametrize(
    ("change", "field"), [({"expiry": 0}, "expiry"), ({"reconstituted_at": 0}, "reconstituted_at")]
)
def test_vial_dates_are_strict(as_noor, change, field):
    status, answer = as_noor.post("/api/vials", {**VIAL, **change})
    assert (status, _fields(answer)) == (422, [field])
    assert not Vial.objects.exists()


def test_an_adverse_event_onset_is_strict(as_noor, alice):
    body = {"type": "bruising", "onset": 0, "severity": "mild"}
    status, answer = as_noor.post(f"/api/patients/{alice.pk}/adverse-events", body)
    assert (status, _fields(answer)) == (422, ["onset"])
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_name": "Bo\x00b"}, "given_name"),
        ({"family_name": "Baker\x1b[31m"}, "family_name"),
        ({"record_number": "B\x7f-002"}, "record_number"),
        ({"email": "bob@example.org\x00"}, "email"),
        ({"given_name": "Bob\nBaker"}, "given_name"),  # one line: refused by the service
        ({"flags": {"allergies": ["human_albumin\x00"]}}, "flags.allergies"),
    ],
)
def test_control_characters_are_refused_in_text(as_grey, change, field):
    status, body = as_grey.post("/api/patients", {**BOB, **change})
    assert status == 422, body
    assert field in _fields(body)
    assert not Patient.objects.exists()


def test_notes_may_hold_line_breaks_but_no_other_control_character(as_noor, alice):
    url = f"/api/patients/{alice.pk}/adverse-events"
    base = {"type": "bruising", "onset": "2025-03-04", "severity": "mild"}
    assert as_noor.post(url, {**base, "notes": "Left brow.\nSettling."})[0] == 201
    status, body = as_noor.post(url, {**base, "notes": "bell\x07"})
    assert (status, _fields(body)) == (422, ["notes"])
    assert AdverseEvent.objects.count() == 1


def test_a_plan_over_the_points_limit_is_refused(as_grey, alice, dr_grey):
    vial = make_vial(dr_grey)
    point = {"muscle": "procerus", "side": "midline", "units": "1"}
    body = {"patient_id": str(alice.pk), "pathway": "cosmetic", "product": "botox_cosmetic",
            "at": SESSION_AT.isoformat(), "vial_id": str(vial.pk)}  # fmt: skip
    status, answer = as_grey.post("/api/encounters", {**body, "injections": [point] * 201})
    assert (status, _fields(answer)) == (422, ["injections"])
    assert not Encounter.objects.exists()
    status, _ = as_grey.post("/api/encounters", {**body, "injections": [point] * 200})
    assert status == 201


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b'{"a": 1,}'])
def test_an_unparseable_body_is_422_in_the_error_shape(dr_grey, raw):
    _, key = issue_token(dr_grey, "tests")
    response = Client().post(
        "/api/patients", raw, content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )  # fmt: skip
    assert response.status_code == 422
    body = response.json()
    assert (body["detail"], _fields(body)) == ("Invalid input: body", ["body"])


def test_a_body_over_the_upload_limit_is_413_json(dr_grey, settings):
    _, key = issue_token(dr_grey, "tests")
    raw = json.dumps({**BOB, "family_name": "x" * (5 * 1024 * 1024)})
    response = Client().post(
        "/api/patients", raw, content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )  # fmt: skip
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert _fields(body) == ["body"]
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in body["detail"]
    assert not Patient.objects.exists()


def test_the_openapi_document_lists_what_the_api_answers(anonymous):
    _, document = anonymous.get("/api/openapi.json")
    responses = document["paths"]["/api/patients"]["post"]["responses"]
    assert {"201", "401", "413", "422"} <= set(responses)
    assert "400" not in responses
