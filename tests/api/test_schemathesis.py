"""Schemathesis over the API's own OpenAPI document, in process, with a clinician's token.

Every documented operation gets at least MAX_EXAMPLES generated requests (schemathesis's
examples, coverage and fuzzing phases: valid and invalid bodies, queries, path parameters and
headers, including a missing bearer token) through Django's WSGI application, and every answer
must be:

- no server error (`not_a_server_error`),
- a documented status code (`status_code_conformance`),
- the documented content type (`content_type_conformance`),
- a body valid per the documented schema — ErrorOut for every error
  (`response_schema_conformance`);

and, for operations that take a body, a body the schema calls invalid must be refused with a
4xx (`negative_data_rejection`: it found `"flags": "pregnant"` registering a patient with no
flags, fixed in bonta.api.schemas.In; regression tests below).

Ids in generated requests (path parameters, `patient_id`/`vial_id`/`encounter_id` in bodies)
are usually swapped for the ids of records seeded for the test — a patient with a signed
session, a draft to change, a draft that signs cleanly, vials — so the operations do their real
work instead of answering 404 to random UUIDs; one random UUID in four is kept, for the 404s.

Deterministic: hypothesis `derandomize` (no example database), so every run sends the same
requests and CI is not flaky. Each operation is one test in its own transaction on the test
database, rolled back after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from bonta.accounts.models import Role
from bonta.accounts.tokens import issue_token
from bonta.records import services
from bonta.records.models import Patient
from records.clinic import glabellar_session, make_patient, make_user, make_vial

MAX_EXAMPLES = 100  # per operation, for the fuzzing phase alone (the other phases add more)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The document exactly as the server publishes it at /api/openapi.json.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def seeded(db: None) -> Iterator[dict[str, list[UUID]]]:
    """Records for the ids, and a clinician's bearer token (`seeded["token"]`)."""
    grey = make_user("dr_grey", Role.CLINICIAN)
    alice = make_patient(grey)
    vial = make_vial(grey)
    draft = glabellar_session(alice, grey, vial)
    signed = glabellar_session(alice, grey, make_vial(grey, lot="S1"))
    services.sign_encounter(signed, grey)
    bob = make_patient(grey, "B-002", given_name="Bob", family_name="Baker", sex="male")
    clean = glabellar_session(bob, grey, make_vial(grey, lot="S2"))  # signs with no override
    fresh_vial = make_vial(grey, diluent_ml=None, lot="NEW1")  # not yet reconstituted
    _, key = issue_token(grey, "schemathesis")
    # Django's own test client does this too: the end of a request must not close the
    # connection, which holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield {
            "patient_id": [alice.pk, bob.pk],
            "encounter_id": [draft.pk, clean.pk, signed.pk],
            "vial_id": [vial.pk, fresh_vial.pk],
            "token": [key],  # type: ignore[list-item]
        }
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def seed_ids(case: Any, seeded: dict[str, list[UUID]]) -> None:
    """Swap generated UUIDs for seeded ids, three times in four. Which id replaces which is a
    function of the generated UUID, so a derandomized run swaps the same way every time; a
    value that is no UUID (a negative case) is left alone."""

    def swap(name: str, value: Any) -> Any:
        known = seeded.get(name)
        if not known or not isinstance(value, str):
            return value
        try:
            number = UUID(value).int
        except ValueError:
            return value
        return value if number % 4 == 0 else str(known[number % len(known)])

    if case.path_parameters:
        case.path_parameters = {k: swap(k, v) for k, v in case.path_parameters.items()}
    body = case.body
    if isinstance(body, dict):
        body = {k: swap(k, v) for k, v in body.items()}
        if isinstance(body.get("injections"), list):
            body["injections"] = [
                {k: swap(k, v) for k, v in point.items()} if isinstance(point, dict) else point
                for point in body["injections"]
            ]
        case.body = body


@pytest.mark.slow
@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_answers_as_documented(case: Any, seeded: dict[str, list[Any]]) -> None:
    seed_ids(case, seeded)
    # Refusing a schema-invalid query is not asked of the list (an unknown query parameter is
    # ignored, as HTTP APIs do); a schema-invalid body must always be refused.
    takes_body = len(case.operation.body) > 0
    case.call_and_validate(
        headers={"Authorization": f"Bearer {seeded['token'][0]}"},
        checks=CHECKS + ([negative_data_rejection] if takes_body else []),
    )


# ---- what the run found (regressions, plain tests) ---------------------------------------

BOB = {"record_number": "B-9", "given_name": "Bob", "family_name": "Baker",
       "birth_date": "1979-02-01"}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("flags", [[None, None], "pregnant", 1, True, [], [["pregnant", True]]])
def test_a_patients_flags_must_be_an_object_not_read_as_no_flags(as_grey, flags):
    """Found by negative_data_rejection: `"flags": [null, null]` answered 201 with every flag
    false, because django-ninja's schemas read any value by attribute."""
    status, body = as_grey.post("/api/patients", {**BOB, "flags": flags})
    assert status == 422
    assert body["errors"] == [{"field": "flags", "message": "must be a JSON object"}]
    assert not Patient.objects.filter(record_number="B-9").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [[], "x", [["pregnant", True]], 7])
def test_a_request_body_that_is_no_object_is_refused_naming_the_body(as_grey, alice, body):
    status, answer = as_grey.call("PATCH", f"/api/patients/{alice.pk}/flags", body)
    assert status == 422
    assert answer["errors"] == [{"field": "body", "message": "must be a JSON object"}]


@pytest.mark.django_db
@pytest.mark.parametrize("body", [[], "overrides"])
def test_a_sign_off_body_that_is_no_object_signs_nothing(as_grey, alice, dr_grey, body):
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    status, answer = as_grey.call("POST", f"/api/encounters/{draft.pk}/sign", body)
    assert (status, answer["errors"][0]["field"]) == (422, "body")
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_flags_patch_documents_that_it_needs_at_least_one_field():
    """Found by positive_data_acceptance: `{}` is refused (422), so the schema says so."""
    document = schema.raw_schema
    operation = document["paths"]["/api/patients/{patient_id}/flags"]["patch"]
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    patch = document["components"]["schemas"][reference.rsplit("/", 1)[-1]]
    assert patch["minProperties"] == 1
