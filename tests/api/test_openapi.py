"""The API as its OpenAPI document describes it: every path answers, valid bodies succeed."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from bonta.records import services
from records.clinic import SESSION_AT, glabellar_session, make_vial

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(anonymous) -> dict[str, Any]:
    status, body = anonymous.get("/api/openapi.json")
    assert status == 200
    return body


@pytest.fixture
def world(alice, dr_grey) -> dict[str, Any]:
    """Ids for every path parameter, and one valid body per operation."""
    vial = make_vial(dr_grey)
    fresh_vial = make_vial(dr_grey, diluent_ml=None, lot="NEW1")
    draft = glabellar_session(alice, dr_grey, vial)
    to_sign = glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="C2"))
    signed = glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="C3"))
    services.sign_encounter(signed, dr_grey, {"retreatment_too_soon": "Same-day touch-up"})
    encounter_for = {"sign": to_sign, "addenda": signed}
    plan = {"protocol": "glabellar_lines", "vial_id": str(vial.pk), "injections": []}
    bodies = {
        ("post", "/api/patients"): {
            "record_number": "B-002", "given_name": "Bob", "family_name": "Baker",
            "birth_date": "1979-02-01",
        },
        ("put", "/api/patients/{patient_id}/flags"): {
            "pregnant": False, "breastfeeding": False, "conditions": [], "allergies": [],
            "medications": ["anticholinergic"], "infection_sites": [],
        },
        # Not an allergy: a later operation signs a BOTOX Cosmetic plan, which an albumin allergy
        # would stop (a hard stop since safety engine v2).
        ("patch", "/api/patients/{patient_id}/flags"): {"medications": []},
        ("post", "/api/patients/{patient_id}/adverse-events"): {
            "type": "bruising", "onset": "2025-03-04", "severity": "mild",
        },
        ("post", "/api/patients/{patient_id}/external-administrations"): {
            "on": "2024-06-01", "product": "dysport", "units": "50", "pathway": "cosmetic",
            "area": "glabellar_lines", "source_system": "Elsewhere Clinic",
        },
        ("post", "/api/encounters"): {
            "patient_id": str(alice.pk), "pathway": "cosmetic", "product": "botox_cosmetic",
            "at": SESSION_AT.isoformat(), **plan,
        },
        ("put", "/api/encounters/{encounter_id}/plan"): plan,
        ("post", "/api/encounters/{encounter_id}/check"): None,
        ("post", "/api/encounters/{encounter_id}/sign"): {
            "overrides": {"retreatment_too_soon": "Same-day touch-up"}
        },
        ("post", "/api/encounters/{encounter_id}/addenda"): {
            "reason": "Clarification", "text": "Patient tolerated well.",
        },
        ("post", "/api/vials"): {
            "product": "botox", "lot": "B77", "expiry": "2030-01-01", "size_units": "100",
        },
        ("post", "/api/vials/{vial_id}/reconstitute"): {"diluent_ml": "2"},
        ("post", "/api/vials/{vial_id}/discards"): {"units": "5", "reason": "Spill"},
    }  # fmt: skip
    return {
        "patient_id": alice.pk,
        "vial_id": {"reconstitute": fresh_vial.pk},
        "default_vial_id": vial.pk,
        "encounter_id": encounter_for,
        "draft": draft,
        "bodies": bodies,
    }


def _url(template: str, world: dict[str, Any]) -> str:
    action = template.rstrip("/").rsplit("/", 1)[-1]
    encounter = world["encounter_id"].get(action, world["draft"])
    vial = world["vial_id"].get(action, world["default_vial_id"])
    return template.format(patient_id=world["patient_id"], encounter_id=encounter.pk, vial_id=vial)


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _check(instance: Any, schema: dict[str, Any], document: dict[str, Any]) -> None:
    jsonschema.validate(instance, {**schema, "components": document["components"]})


def test_every_documented_operation_succeeds_with_a_body_valid_per_the_schema(
    document, world, as_grey
):
    answered = []
    for method, path, operation in _operations(document):
        body = world["bodies"].get((method, path))
        if "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            _check(body if body is not None else {}, schema, document)
        status, answer = as_grey.call(method, _url(path, world), body)
        assert str(status) in operation["responses"], (method, path, status, answer)
        assert status < 300, (method, path, status, answer)
        schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        _check(answer, schema, document)
        answered.append((method, path))
    assert len(answered) == 18


def test_every_documented_operation_answers_401_without_a_token(document, world, anonymous):
    for method, path, operation in _operations(document):
        status, answer = anonymous.call(
            method, _url(path, world), world["bodies"].get((method, path))
        )
        assert status == 401, (method, path)
        assert "401" in operation["responses"]
        assert answer["detail"] == "A valid bearer token is required."


def test_the_documentation_pages_are_served(anonymous):
    assert anonymous.client.get("/api/docs").status_code == 200
