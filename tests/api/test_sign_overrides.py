"""The sign endpoint under the domain's override rules, and the countersignature by token.

Each refusal is a 422 naming its field and writes nothing; a countersignature is the second
clinician's own request with their own bearer token.
"""

from __future__ import annotations

from datetime import date

import pytest

from bonta.api.schemas import ReasonCode
from bonta.domain.overrides import REASONS
from bonta.records import services
from bonta.records.models import Administration, FindingOverride
from records.clinic import glabellar_session, make_vial

from .test_openapi import above_the_cumulative_limit

pytestmark = pytest.mark.django_db

TOO_SOON = {"finding": "retreatment_too_soon", "reason": "documented_clinical_need",
            "note": "Touch-up agreed"}  # fmt: skip
CUMULATIVE = {"finding": "cumulative_dose_exceeded", "reason": "prior_record_incorrect",
              "note": "Not given"}  # fmt: skip


@pytest.fixture
def too_soon(alice, dr_grey):
    services.sign_encounter(
        glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="G1")), dr_grey
    )
    return glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="G2"))


def sign(client, encounter, overrides):
    return client.post(f"/api/encounters/{encounter.pk}/sign", {"overrides": overrides})


def test_the_schema_lists_exactly_the_domains_reason_codes():
    assert set(ReasonCode.__args__) == set(REASONS)


def test_the_check_says_each_blocks_kind_and_what_its_override_needs(as_grey, too_soon):
    status, body = as_grey.post(f"/api/encounters/{too_soon.pk}/check")
    assert status == 200
    (block,) = [f for f in body["findings"] if f["severity"] == "block"]
    assert (block["kind"], block["override"]) == ("clinical_block", "reason")


def test_a_clinical_block_signs_with_a_coded_reason_and_a_note(as_grey, too_soon):
    status, body = sign(as_grey, too_soon, [TOO_SOON])
    assert status == 200, body
    (override,) = body["overrides"]
    assert override["reason_code"] == "documented_clinical_need"
    assert override["reason"] == "Touch-up agreed"
    assert override["countersigner_id"] is None


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({**TOO_SOON, "reason": "because"}, "overrides[0].reason"),
        ({**TOO_SOON, "note": ""}, "overrides[0].note"),
        ({**TOO_SOON, "note": "   "}, "overrides[0].note"),
        ({**TOO_SOON, "finding": "feeling_lucky"}, "overrides[0].finding"),
        ({**TOO_SOON, "finding": "vial_expired"}, "overrides[0].finding"),
        ({"finding": "retreatment_too_soon", "note": "x"}, "overrides[0].reason"),
    ],
)
def test_each_refusal_is_a_422_naming_the_field_and_writes_nothing(
    as_grey, too_soon, override, field
):
    status, body = sign(as_grey, too_soon, [override])
    assert status == 422, body
    assert [e["field"] for e in body["errors"]] == [field]
    too_soon.refresh_from_db()
    assert not too_soon.is_signed
    assert not FindingOverride.objects.filter(encounter=too_soon).exists()
    assert not Administration.objects.filter(encounter=too_soon).exists()


def test_a_hard_stop_is_refused_with_its_kind_in_the_findings(as_grey, alice, dr_grey):
    encounter = glabellar_session(alice, dr_grey, make_vial(dr_grey, expiry=date(2024, 1, 1)))
    status, body = sign(as_grey, encounter, [])
    assert status == 422
    assert "fix the record or change the plan" in body["detail"]
    assert [(f["code"], f["kind"], f["override"]) for f in body["findings"]] == [
        ("vial_expired", "hard_stop", "not_allowed")
    ]


def test_the_cumulative_limit_cannot_be_signed_alone(as_grey, dr_grey):
    encounter = above_the_cumulative_limit(dr_grey, "B-200")
    status, body = sign(as_grey, encounter, [CUMULATIVE])
    assert status == 422
    assert [e["field"] for e in body["errors"]] == ["overrides[0].countersigner"]
    assert "countersignature-request" in body["errors"][0]["message"]
    assert not FindingOverride.objects.filter(encounter=encounter).exists()


def test_a_countersignature_is_the_second_clinicians_own_call(
    as_grey, as_okafor, dr_grey, dr_okafor
):
    encounter = above_the_cumulative_limit(dr_grey, "B-201")
    path = f"/api/encounters/{encounter.pk}"
    status, body = as_grey.post(f"{path}/countersignature-request", {"overrides": [CUMULATIVE]})
    assert status == 201, body
    assert body["requested_by_id"] == str(dr_grey.pk)
    status, body = as_grey.post(f"{path}/countersign")
    assert status == 422
    assert [e["field"] for e in body["errors"]] == ["countersigner"]
    status, body = as_okafor.post(f"{path}/countersign")
    assert status == 200, body
    assert body["status"] == "signed"
    assert body["signed_by_id"] == str(dr_grey.pk)
    (override,) = body["overrides"]
    assert override["clinician_id"] == str(dr_grey.pk)
    assert override["countersigner_id"] == str(dr_okafor.pk)
    # Built from what sign-off wrote (no re-read): the same as a fresh GET.
    assert as_okafor.get(path) == (200, body)


def test_a_nurse_token_cannot_countersign(as_grey, as_noor, dr_grey):
    encounter = above_the_cumulative_limit(dr_grey, "B-202")
    path = f"/api/encounters/{encounter.pk}"
    as_grey.post(f"{path}/countersignature-request", {"overrides": [CUMULATIVE]})
    status, _ = as_noor.post(f"{path}/countersign")
    assert status == 403
    encounter.refresh_from_db()
    assert not encounter.is_signed


def test_countersigning_with_nothing_pending_is_a_conflict(as_okafor, dr_grey):
    encounter = above_the_cumulative_limit(dr_grey, "B-203")
    status, _ = as_okafor.post(f"/api/encounters/{encounter.pk}/countersign")
    assert status == 409


# ---- external records of another indication ----------------------------------------------


def test_an_external_record_of_another_indication_is_accepted_and_shown(as_grey, alice):
    body = {
        "on": "2025-02-20", "product": "botox", "units": "250",
        "indication": "cervical dystonia", "muscles": ["trapezius"],
        "source_system": "Neuro Hospital",
    }  # fmt: skip
    status, row = as_grey.post(f"/api/patients/{alice.pk}/external-administrations", body)
    assert status == 201, row
    assert (row["pathway"], row["indication"], row["muscles"]) == (
        "", "cervical dystonia", ["trapezius"],
    )  # fmt: skip


def test_an_external_record_with_both_a_pathway_and_an_indication_is_refused(as_grey, alice):
    body = {
        "on": "2025-02-20", "product": "botox", "units": "250", "pathway": "chronic_migraine",
        "indication": "cervical dystonia", "source_system": "Neuro Hospital",
    }  # fmt: skip
    status, answer = as_grey.post(f"/api/patients/{alice.pk}/external-administrations", body)
    assert status == 422
    assert [e["field"] for e in answer["errors"]] == ["indication"]
