"""The sign endpoint answers with the signed encounter built from what sign-off wrote: equal to
a fresh GET, without reading the encounter again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bonta.records import services
from records.clinic import glabellar_session, make_vial

pytestmark = pytest.mark.django_db

TOO_SOON = {"finding": "retreatment_too_soon", "reason": "documented_clinical_need",
            "note": "Touch-up agreed"}  # fmt: skip


def signed_and_read(client, encounter, overrides=()):
    with CaptureQueriesContext(connection) as queries:
        status, signed = client.post(
            f"/api/encounters/{encounter.pk}/sign", {"overrides": list(overrides)}
        )
    assert status == 200, signed
    status, read = client.get(f"/api/encounters/{encounter.pk}")
    assert status == 200
    return signed, read, [q["sql"] for q in queries.captured_queries]


def test_the_sign_response_is_what_a_fresh_read_gives(as_grey, alice, dr_grey):
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="G1"))
    signed, read, queries = signed_and_read(as_grey, draft)
    assert signed == read
    assert (signed["status"], len(signed["administrations"]), len(signed["plan"])) == (
        "signed",
        5,
        5,
    )
    assert all(a["volume_ml"] is not None for a in signed["administrations"])
    # the re-read is gone: sign-off never reads addenda (a draft has none)
    assert not [q for q in queries if "records_addendum" in q]


def test_with_an_override_too(as_grey, alice, dr_grey):
    services.sign_encounter(
        glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="G1")), dr_grey
    )
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="G2"))
    signed, read, _ = signed_and_read(as_grey, draft, [TOO_SOON])
    assert signed == read
    assert [o["code"] for o in signed["overrides"]] == ["retreatment_too_soon"]


def test_signing_an_unknown_encounter_is_a_404_and_writes_nothing(as_grey, as_noor):
    from bonta.audit.models import AuditEvent

    before = AuditEvent.objects.count()
    status, body = as_grey.post("/api/encounters/00000000-0000-4000-8000-000000000000/sign", {})
    assert (status, body["detail"]) == (404, "No such encounter.")
    assert AuditEvent.objects.count() == before
    status, _ = as_noor.post("/api/encounters/00000000-0000-4000-8000-000000000000/sign", {})
    assert status == 403  # the role is checked before anything is read


@pytest.mark.parametrize(
    "plan",
    [
        {"protocol": "glabellar_lines"},  # the protocol's points from one vial
        {  # points given one by one, units that the column pads (4 → 4.00), another offset
            "injections": [
                {"muscle": "procerus", "side": "midline", "units": "4"},
                {"muscle": "corrugator", "side": "left", "units": "4.5"},
            ]
        },
        {},  # no plan yet
    ],
)
def test_the_draft_response_is_what_a_fresh_read_gives(as_grey, alice, dr_grey, plan):
    vial = make_vial(dr_grey, lot="D1")
    body = {"patient_id": str(alice.pk), "pathway": "cosmetic", "product": "botox_cosmetic",
            "at": "2026-03-02T09:30:00+01:00", "vial_id": str(vial.pk), **plan}  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        status, drafted = as_grey.post("/api/encounters", body)
    assert status == 201, drafted
    status, read = as_grey.get(f"/api/encounters/{drafted['id']}")
    assert status == 200
    assert drafted == read
    assert drafted["at"] == "2026-03-02T08:30:00Z"
    assert len(drafted["plan"]) == {"protocol": 5, "injections": 2}.get(next(iter(plan), ""), 0)
    # no re-read of what was just written
    assert not [q for q in queries.captured_queries if "records_addendum" in q["sql"]]
