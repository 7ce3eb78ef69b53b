"""/api/patients/{id}/flags: replacing needs every field; clearing is explicit; audited.

The security test found `PUT {}` (and `[null, null]`) answering 200 and erasing a recorded
albumin allergy and myasthenia gravis, with an audit detail of `{}`.
"""

from __future__ import annotations

import pytest

from bonta.audit.models import AuditEvent
from bonta.records import services
from bonta.records.models import Patient

pytestmark = pytest.mark.django_db

ALL_CLEAR = {
    "pregnant": False,
    "breastfeeding": False,
    "conditions": [],
    "allergies": [],
    "medications": [],
    "infection_sites": [],
}


@pytest.fixture
def flagged(alice, dr_grey):
    changes = {"allergies": ["human_albumin"], "conditions": ["myasthenia_gravis"]}
    return services.amend_patient_flags(alice, by=dr_grey, changes=changes)


def _unchanged(patient: Patient) -> bool:
    patient = Patient.objects.get(pk=patient.pk)
    return (patient.allergies, patient.conditions) == (["human_albumin"], ["myasthenia_gravis"])


def _updates() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="patient.update_flags").order_by("id"))


MISSING = {"pregnant", "conditions", "medications"}


@pytest.mark.parametrize(
    ("body", "named"),
    [({}, MISSING), ({"allergies": []}, MISSING), ([None, None], {"body"})],  # no object at all
)
def test_an_incomplete_replacement_is_refused_naming_the_missing_fields(
    as_grey, flagged, body, named
):
    before = len(_updates())
    status, answer = as_grey.put(f"/api/patients/{flagged.pk}/flags", body)
    assert status == 422
    fields = {e["field"] for e in answer["errors"]}
    assert named <= fields
    assert _unchanged(flagged)
    assert len(_updates()) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pregnant": "yes"}, "pregnant"),
        ({"pregnant": 1}, "pregnant"),
        ({"allergies": None}, "allergies"),
        ({"allergies": [None]}, "allergies.0"),
    ],
)
def test_loosely_typed_flags_are_refused(as_grey, flagged, change, field):
    status, answer = as_grey.put(f"/api/patients/{flagged.pk}/flags", {**ALL_CLEAR, **change})
    assert status == 422
    assert answer["errors"][0]["field"].replace("[", ".").rstrip("]") == field
    assert _unchanged(flagged)


def test_clearing_is_explicit_and_the_audit_records_before_and_after(as_grey, flagged):
    status, answer = as_grey.put(f"/api/patients/{flagged.pk}/flags", ALL_CLEAR)
    assert (status, answer["flags"]) == (200, ALL_CLEAR)
    assert _updates()[-1].detail == {
        "changes": {
            "allergies": {"before": ["human_albumin"], "after": []},
            "conditions": {"before": ["myasthenia_gravis"], "after": []},
        }
    }


def test_patch_changes_only_the_fields_sent(as_noor, flagged):
    status, answer = as_noor.call(
        "PATCH", f"/api/patients/{flagged.pk}/flags", {"medications": ["aminoglycoside"]}
    )
    assert status == 200
    assert answer["flags"]["medications"] == ["aminoglycoside"]
    assert _unchanged(flagged)
    assert _updates()[-1].detail == {
        "changes": {"medications": {"before": [], "after": ["aminoglycoside"]}}
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "flags"),
        ({"allergies": None}, "flags.allergies"),
        ({"pregnant": None}, "flags.pregnant"),
    ],
)
def test_an_empty_or_null_patch_is_refused(as_grey, flagged, body, field):
    status, answer = as_grey.call("PATCH", f"/api/patients/{flagged.pk}/flags", body)
    assert status == 422
    assert answer["errors"][0]["field"] == field
    assert _unchanged(flagged)


def test_reception_cannot_patch_flags(as_rita, flagged):
    status, _ = as_rita.call("PATCH", f"/api/patients/{flagged.pk}/flags", {"allergies": []})
    assert status == 403
    assert _unchanged(flagged)


def test_registering_with_flags_audits_what_was_recorded(as_grey):
    body = {
        "record_number": "B-9", "given_name": "Bea", "family_name": "Bloom",
        "birth_date": "1980-01-01", "flags": {"allergies": ["human_albumin"]},
    }  # fmt: skip
    status, _ = as_grey.post("/api/patients", body)
    assert status == 201
    event = AuditEvent.objects.get(action="patient.create")
    assert event.detail == {"changes": {"allergies": {"before": [], "after": ["human_albumin"]}}}
