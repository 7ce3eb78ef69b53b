"""/api/patients: reception registers and lists, but sees no clinical data."""

from __future__ import annotations

import pytest

from bonta.records.models import AdverseEvent, ExternalAdministration, Patient

pytestmark = pytest.mark.django_db

BOB = {"record_number": "B-002", "given_name": "Bob", "family_name": "Baker",
       "birth_date": "1979-02-01"}  # fmt: skip


def test_reception_registers_and_reads_a_patient_without_safety_flags(as_rita):
    status, created = as_rita.post("/api/patients", BOB)
    assert status == 201
    assert created["flags"] is None
    status, read = as_rita.get(f"/api/patients/{created['id']}")
    assert (status, read["record_number"], read["flags"]) == (200, "B-002", None)


def test_a_clinician_sees_the_flags(as_grey, alice):
    status, read = as_grey.get(f"/api/patients/{alice.pk}")
    assert status == 200
    assert read["flags"]["conditions"] == []


def test_reception_cannot_set_flags_or_read_adverse_events(as_rita, alice):
    flags = {"pregnant": False, "breastfeeding": False, "conditions": ["als"], "allergies": [],
             "medications": [], "infection_sites": []}  # fmt: skip
    status, _ = as_rita.put(f"/api/patients/{alice.pk}/flags", flags)
    assert status == 403
    assert as_rita.get(f"/api/patients/{alice.pk}/adverse-events")[0] == 403
    assert Patient.objects.get(pk=alice.pk).conditions == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_date": "1979-13-45"}, "birth_date"),
        ({"birth_date": "yesterday"}, "birth_date"),
        ({"record_number": ""}, "record_number"),
        ({"sex": "robot"}, "sex"),
        ({"flags": {"conditions": ["gout"]}}, "flags.conditions[0]"),
    ],
)
def test_an_invalid_patient_is_refused_naming_the_field(as_grey, change, field):
    status, body = as_grey.post("/api/patients", {**BOB, **change})
    assert status == 422
    assert field in [e["field"] for e in body["errors"]]
    assert not Patient.objects.filter(record_number="B-002").exists()


def test_an_unknown_patient_is_404_and_a_malformed_id_is_422(as_grey):
    assert as_grey.get("/api/patients/0b7c6a8e-9a0f-4e59-8a53-3f1f0c2f3a11")[0] == 404
    status, body = as_grey.get("/api/patients/not-a-uuid")
    assert status == 422
    assert body["errors"][0]["field"] == "patient_id"


def test_a_distant_spread_symptom_is_recorded_as_urgent(as_noor, alice):
    status, event = as_noor.post(
        f"/api/patients/{alice.pk}/adverse-events",
        {"type": "dysphagia", "onset": "2025-03-05", "severity": "severe", "serious": True},
    )
    assert (status, event["urgent"]) == (201, True)
    status, listed = as_noor.get(f"/api/patients/{alice.pk}/adverse-events")
    assert [e["id"] for e in listed] == [event["id"]]


def test_an_unknown_adverse_event_type_is_refused(as_noor, alice):
    status, body = as_noor.post(
        f"/api/patients/{alice.pk}/adverse-events",
        {"type": "sneezing", "onset": "2025-03-05", "severity": "mild"},
    )
    assert status == 422
    assert body["errors"][0]["field"] == "type"
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"product": "snake_oil"}, "product"),
        ({"units": "0"}, "units"),
        ({"units": "-5"}, "units"),
        ({"units": "lots"}, "units"),
        ({"on": "2025-02-30"}, "on"),
        ({"muscles": ["eyebrow"]}, "muscles[0]"),
        ({"lot_expiry": "2026-01-01"}, "lot_expiry"),  # an expiry without its lot
        ({"lot": "C3\u0007", "lot_expiry": "2026-01-01"}, "lot"),
        ({"lot": "C3", "lot_expiry": "2026-13-01"}, "lot_expiry"),
        ({"lot": "x" * 201}, "lot"),
    ],
)
def test_an_invalid_external_administration_is_refused(as_grey, alice, change, field):
    body = {"on": "2025-01-02", "product": "botox", "units": "155",
            "pathway": "chronic_migraine", "source_system": "Neuro EHR", **change}  # fmt: skip
    status, answer = as_grey.post(f"/api/patients/{alice.pk}/external-administrations", body)
    assert status == 422
    assert field in [e["field"] for e in answer["errors"]]
    assert not ExternalAdministration.objects.exists()


def test_an_external_administration_keeps_its_lot_and_the_chart_lists_it(as_grey, alice, dr_grey):
    body = {"on": "2025-01-02", "product": "xeomin", "units": "20", "pathway": "cosmetic",
            "area": "glabellar_lines", "source_system": "Skin Clinic EHR",
            "lot": "XL-2291", "lot_expiry": "2026-06-30"}  # fmt: skip
    status, row = as_grey.post(f"/api/patients/{alice.pk}/external-administrations", body)
    assert status == 201
    assert (row["lot"], row["lot_expiry"]) == ("XL-2291", "2026-06-30")
    stored = ExternalAdministration.objects.get()
    assert (stored.lot, str(stored.lot_expiry)) == ("XL-2291", "2026-06-30")
    # Without a lot: recorded, and shown so on the chart.
    status, row = as_grey.post(
        f"/api/patients/{alice.pk}/external-administrations",
        {**body, "lot": "", "lot_expiry": None, "on": "2024-09-01"},
    )
    assert (status, row["lot"], row["lot_expiry"]) == (201, "", None)
    as_grey.client.force_login(dr_grey)
    page = as_grey.client.get(f"/patients/{alice.pk}/").content.decode()
    given = page[page.index('id="ext-h"') :]
    for shown in ("Xeomin", "XL-2291", "exp. 2026-06-30", "Glabellar", "Skin Clinic EHR"):
        assert shown in given
    assert "not sent" in given  # the record without a lot
    assert given.index("2025-01-02") < given.index("2024-09-01")  # newest first


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("offset=217395231060970373120", "offset"),
        ("offset=10000001", "offset"),
        ("offset=-1", "offset"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
    ],
)
def test_paging_out_of_range_is_422_naming_the_field(as_grey, query, field):
    status, body = as_grey.get(f"/api/patients?{query}")
    assert status == 422
    assert [e["field"] for e in body["errors"]] == [field]


def test_paging_at_its_bounds_answers(as_grey, alice):
    status, page = as_grey.get("/api/patients?limit=200&offset=0")
    assert (status, [p["id"] for p in page]) == (200, [str(alice.pk)])
    assert as_grey.get("/api/patients?limit=1&offset=10000000") == (200, [])


def test_the_chart_lists_the_ten_latest_external_records_and_says_how_many(as_grey, alice, dr_grey):
    from datetime import date, timedelta

    from bonta.records import services

    for n in range(12):
        services.record_external_administration(
            alice, by=dr_grey, on=date(2024, 1, 1) + timedelta(days=n), product="xeomin",
            units="20", pathway_code="cosmetic", source_system="Skin Clinic EHR",
            source_id=f"x-{n}", lot=f"LOT-{n:02d}",
        )  # fmt: skip
    as_grey.client.force_login(dr_grey)
    page = as_grey.client.get(f"/patients/{alice.pk}/").content.decode()
    given = page[page.index('id="ext-h"') :]
    assert [f"LOT-{n:02d}" in given for n in range(12)] == [False] * 2 + [True] * 10
    assert "The 10 latest of 12" in given
