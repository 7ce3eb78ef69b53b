"""/api/encounters: draft, check, sign (with overrides), addenda; signed records are final."""

from __future__ import annotations

import pytest

from bonta.records.models import Administration, Encounter, FindingOverride, PlannedInjection
from records.clinic import SESSION_AT, make_vial

pytestmark = pytest.mark.django_db


@pytest.fixture
def vial(dr_grey):
    return make_vial(dr_grey)


def _draft(client, alice, vial, **change):
    body = {
        "patient_id": str(alice.pk), "pathway": "cosmetic", "product": "botox_cosmetic",
        "at": SESSION_AT.isoformat(), "protocol": "glabellar_lines", "vial_id": str(vial.pk),
        **change,
    }  # fmt: skip
    return client.post("/api/encounters", body)


def test_a_nurse_drafts_and_checks_a_glabellar_plan(as_noor, alice, vial):
    status, draft = _draft(as_noor, alice, vial)
    assert (status, draft["status"], len(draft["plan"])) == (201, "draft", 5)
    status, checked = as_noor.post(f"/api/encounters/{draft['id']}/check")
    assert status == 200
    assert checked == {"ok": True, "findings": [], "totals": {"botox_cosmetic": "20.00"},
                       "points": 5}  # fmt: skip


def test_a_nurse_cannot_sign_and_nothing_changes(as_noor, alice, vial):
    _, draft = _draft(as_noor, alice, vial)
    status, body = as_noor.post(f"/api/encounters/{draft['id']}/sign", {})
    assert status == 403
    assert "sign" in body["detail"]
    assert Encounter.objects.get().status == "draft"
    assert not Administration.objects.exists()


def test_reception_cannot_read_an_encounter(as_rita, as_grey, alice, vial):
    _, draft = _draft(as_grey, alice, vial)
    assert as_rita.get(f"/api/encounters/{draft['id']}")[0] == 403
    assert as_rita.post(f"/api/encounters/{draft['id']}/check")[0] == 403


def test_sign_off_is_refused_over_a_hard_stop_and_the_findings_say_why(as_grey, alice, dr_grey):
    expired = make_vial(dr_grey, expiry=SESSION_AT.date().replace(year=2024))
    _, draft = _draft(as_grey, alice, expired)
    status, body = as_grey.post(f"/api/encounters/{draft['id']}/sign", {})
    assert status == 422
    assert [f["code"] for f in body["findings"]] == ["vial_expired"]
    assert Encounter.objects.get().status == "draft"
    assert not Administration.objects.exists()
    override = {"finding": "vial_expired", "reason": "documented_clinical_need", "note": "Letter"}
    status, body = as_grey.post(f"/api/encounters/{draft['id']}/sign", {"overrides": [override]})
    assert status == 422
    assert [e["field"] for e in body["errors"]] == ["overrides[0].finding"]
    assert "hard stop" in body["errors"][0]["message"]
    assert Encounter.objects.get().status == "draft"
    assert FindingOverride.objects.count() == 0


def test_a_signed_encounter_refuses_a_new_plan_with_409(as_grey, alice, vial):
    _, draft = _draft(as_grey, alice, vial)
    as_grey.post(f"/api/encounters/{draft['id']}/sign", {})
    status, body = as_grey.put(
        f"/api/encounters/{draft['id']}/plan",
        {"injections": [{"muscle": "procerus", "side": "midline", "units": "8",
                         "vial_id": str(vial.pk)}]},
    )  # fmt: skip
    assert status == 409
    assert "addendum" in body["detail"]
    assert PlannedInjection.objects.filter(muscle="procerus").count() == 1
    status, again = as_grey.post(f"/api/encounters/{draft['id']}/sign", {})
    assert status == 409
    assert "already signed" in again["detail"]
    status, _ = as_grey.post(
        f"/api/encounters/{draft['id']}/addenda", {"reason": "Note", "text": "Settled well."}
    )
    assert status == 201


@pytest.mark.parametrize(
    ("injection", "field"),
    [
        ({"muscle": "eyebrow", "side": "left", "units": "4"}, "injections[0].muscle"),
        ({"muscle": "procerus", "side": "up", "units": "4"}, "injections[0].side"),
        ({"muscle": "procerus", "side": "midline", "units": "0"}, "injections[0].units"),
        ({"muscle": "procerus", "side": "midline", "units": "-4"}, "injections[0].units"),
        ({"muscle": "procerus", "side": "midline", "units": "four"}, "injections[0].units"),
        ({"muscle": "procerus", "side": "midline"}, "injections[0].units"),
        ({"muscle": "procerus", "side": "midline", "units": "4",
          "vial_id": "0b7c6a8e-9a0f-4e59-8a53-3f1f0c2f3a11"}, "injections[0].vial_id"),
    ],
)  # fmt: skip
def test_a_bad_injection_is_422_naming_the_field_and_nothing_is_written(
    as_grey, alice, vial, injection, field
):
    status, body = _draft(as_grey, alice, vial, protocol=None, injections=[injection])
    assert status == 422, body
    assert field in [e["field"] for e in body["errors"]]
    assert not Encounter.objects.exists()
    assert not PlannedInjection.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"product": "snake_oil"}, "product"),
        ({"protocol": "frown_magic"}, "protocol"),
        ({"pathway": "dental"}, "pathway"),
        ({"at": "2025-03-03T10:00:00"}, "at"),  # no time zone
        ({"at": "last tuesday"}, "at"),
        ({"at": "0001-01-01T10:00:00+00:00"}, "at"),  # would overflow the label arithmetic
    ],
)
def test_a_bad_encounter_is_422_naming_the_field_and_nothing_is_written(
    as_grey, alice, vial, change, field
):
    status, body = _draft(as_grey, alice, vial, **change)
    assert status == 422, body
    assert field in [e["field"] for e in body["errors"]]
    assert not Encounter.objects.exists()


def test_vials_are_registered_reconstituted_and_listed_with_usage(as_noor):
    status, vial = as_noor.post(
        "/api/vials",
        {"product": "botox", "lot": "B1", "expiry": "2030-01-01", "size_units": "100"},
    )
    assert (status, vial["reconstituted_at"]) == (201, None)
    status, vial = as_noor.post(f"/api/vials/{vial['id']}/reconstitute", {"diluent_ml": "2"})
    assert (status, vial["diluent_ml"]) == (200, "2.00")
    assert as_noor.post(f"/api/vials/{vial['id']}/reconstitute", {"diluent_ml": "2"})[0] == 409
    status, listed = as_noor.get("/api/vials")
    assert [(v["id"], v["units_remaining"]) for v in listed] == [(vial["id"], "100.00")]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"product": "snake_oil"}, "product"), ({"size_units": "0"}, "size_units"),
     ({"expiry": "2030-02-31"}, "expiry"), ({"size_units": "1e999"}, "size_units"),
     ({"expiry": "9999-12-31"}, "expiry")],
)  # fmt: skip
def test_an_invalid_vial_is_422(as_noor, change, field):
    body = {"product": "botox", "lot": "B1", "expiry": "2030-01-01", "size_units": "100", **change}
    status, answer = as_noor.post("/api/vials", body)
    assert status == 422
    assert field in [e["field"] for e in answer["errors"]]
