"""Import of transaction/batch Bundles: matching, all-or-nothing, errors naming the entry and
field, provenance, idempotency, the review of unmatched imports, and the safety engine."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.fhir.codes import identifier_system, system
from bonta.fhir.models import (
    ExternalIdentifier,
    ImportedAdministration,
    ImportedBundle,
    PendingImport,
    PendingStatus,
)
from bonta.records import services
from bonta.records.models import ExternalAdministration, Patient
from fhir_r4.conftest import client_for
from fhir_r4.validate import validate
from records.clinic import codes, injections, make_patient, make_vial, preempt_session

pytestmark = pytest.mark.django_db

SOURCE = "https://elsewhere.example/fhir"
OTHER_ID = "https://elsewhere.example/patients"


def patient_entry(
    number: str | None = "A-001", other: str | None = None, birth: str | None = "1985-05-17"
) -> dict[str, Any]:
    identifiers = []
    if number:
        identifiers.append({"system": identifier_system("record-number"), "value": number})
    if other:
        identifiers.append({"system": OTHER_ID, "value": other})
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": identifiers,
        "name": [{"family": "Archer", "given": ["Alice"]}],
    }
    if birth:
        resource["birthDate"] = birth
    return {"fullUrl": "urn:uuid:p1", "resource": resource, "request": {"method": "PUT"}}


def given(
    n: int,
    *,
    units: object = 20,
    product: str = "botox_cosmetic",
    unit_system: str = "onabotulinumtoxinA",
    day: str = "2025-02-20",
    subject: str = "urn:uuid:p1",
) -> dict[str, Any]:
    return {
        "fullUrl": f"urn:uuid:ma{n}",
        "resource": {
            "resourceType": "MedicationAdministration",
            "identifier": [{"system": f"{SOURCE}/ma", "value": f"ma-{n}"}],
            "status": "completed",
            "category": {"coding": [{"system": system("pathway"), "code": "cosmetic"}]},
            "medicationCodeableConcept": {
                "coding": [{"system": system("product"), "code": product}]
            },
            "subject": {"reference": subject},
            "effectiveDateTime": day,
            "dosage": {
                "site": {"coding": [{"system": system("muscle"), "code": "procerus"}]},
                "dose": {
                    "value": units,
                    "unit": f"U ({unit_system})",
                    "system": system("unit"),
                    "code": unit_system,
                },
            },
        },
        "request": {"method": "POST", "url": "MedicationAdministration"},
    }


def bundle(*entries: dict[str, Any], kind: str = "transaction") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": "b-1",
        "type": kind,
        "meta": {"source": SOURCE},
        "entry": list(entries),
    }


def post(user: User, body: object, **headers: str) -> tuple[int, Any]:
    client = client_for(user)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = client.client.post(
        "/fhir/R4",
        raw,
        content_type="application/fhir+json",
        headers={**client.headers, **headers},
    )
    return response.status_code, json.loads(response.content)


def refused(user: User, body: object, status: int = 400) -> dict[str, Any]:
    before = (ExternalAdministration.objects.count(), ImportedBundle.objects.count())
    got, answer = post(user, body)
    assert got == status, answer
    assert answer["resourceType"] == "OperationOutcome"
    validate(answer)
    after = (ExternalAdministration.objects.count(), ImportedBundle.objects.count())
    assert after == before  # nothing written
    assert not PendingImport.objects.exists()
    return answer["issue"][0]


# ---- the happy path ---------------------------------------------------------------------------


def test_a_transaction_for_a_known_patient_becomes_external_administrations(
    alice: Patient, dr_grey: User
) -> None:
    status, answer = post(dr_grey, bundle(patient_entry(), given(1), given(2, units=2.5)))
    assert status == 200, answer
    validate(answer)
    assert answer["type"] == "transaction-response"
    assert [e["response"]["status"] for e in answer["entry"]] == [
        "200 OK",
        "201 Created",
        "201 Created",
    ]
    rows = ExternalAdministration.objects.filter(patient=alice).order_by("source_id")
    assert [(r.product, str(r.units), r.source_system) for r in rows] == [
        ("botox_cosmetic", "20.00", SOURCE),
        ("botox_cosmetic", "2.50", SOURCE),
    ]
    assert rows[0].on == date(2025, 2, 20)
    assert rows[0].muscles == ["procerus"]
    assert rows[0].source_id == f"{SOURCE}/ma|ma-1"
    imported = ImportedBundle.objects.get()
    assert (imported.imported_by, imported.bundle_id, imported.written) == (dr_grey, "b-1", 2)
    assert ImportedAdministration.objects.filter(bundle=imported).count() == 2
    assert AuditEvent.objects.filter(action="fhir.import").count() == 1
    recorded = AuditEvent.objects.get(action="external_administration.record")
    assert recorded.patient_id == alice.pk
    assert recorded.detail["count"] == 2


def test_the_safety_engine_counts_imported_administrations(alice: Patient, dr_grey: User) -> None:
    migraine_vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4")
    services.sign_encounter(preempt_session(alice, dr_grey, migraine_vial), dr_grey)
    status, _ = post(dr_grey, bundle(patient_entry(), given(1, units=230)))
    assert status == 200
    second = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4", lot="B2")
    encounter = services.open_encounter(
        alice, by=dr_grey, pathway="chronic_migraine", product="botox",
        at=migraine_vial.reconstituted_at, injections=injections(("masseter", "left", "20")),
        vial=second.pk,
    )  # fmt: skip
    # 155 U here + 230 U imported + 20 U planned = 405 U > 400 U in 3 months (label §1.5)
    assert "cumulative_dose_exceeded" in codes(services.check_plan(encounter, by=dr_grey))


def test_the_same_bundle_twice_writes_nothing_the_second_time(
    alice: Patient, dr_grey: User
) -> None:
    sent = bundle(patient_entry(), given(1), given(2))
    assert post(dr_grey, sent)[0] == 200
    status, answer = post(dr_grey, sent)
    assert status == 200
    assert [e["response"]["status"] for e in answer["entry"]][1:] == ["200 OK", "200 OK"]
    assert ExternalAdministration.objects.count() == 2
    assert ImportedBundle.objects.order_by("received_at").last().repeated == 2  # type: ignore[union-attr]


def test_the_same_record_with_other_content_is_a_conflict(alice: Patient, dr_grey: User) -> None:
    assert post(dr_grey, bundle(patient_entry(), given(1)))[0] == 200
    found = refused(dr_grey, bundle(patient_entry(), given(1, units=30)), 409)
    assert found["expression"] == ["Bundle.entry[1].resource"]
    assert ExternalAdministration.objects.get().units == 20


def test_a_batch_is_all_or_nothing_too(alice: Patient, dr_grey: User) -> None:
    found = refused(dr_grey, bundle(patient_entry(), given(1), given(2, units=0), kind="batch"))
    assert found["expression"] == ["Bundle.entry[2].resource.dosage.dose.value"]
    status, answer = post(dr_grey, bundle(patient_entry(), given(1), kind="batch"))
    assert status == 200
    assert answer["type"] == "batch-response"


def test_the_source_system_may_come_from_the_header(alice: Patient, dr_grey: User) -> None:
    sent = bundle(patient_entry(), given(1))
    del sent["meta"]
    assert refused(dr_grey, sent)["expression"] == ["Bundle.meta.source"]
    status, _ = post(dr_grey, sent, **{"X-Source-System": "Clinic B"})
    assert status == 200
    assert ExternalAdministration.objects.get().source_system == "Clinic B"


def test_a_contained_medication_names_the_product(alice: Patient, dr_grey: User) -> None:
    entry = given(1)
    resource = entry["resource"]
    del resource["medicationCodeableConcept"]
    resource["contained"] = [
        {
            "resourceType": "Medication",
            "id": "med",
            "code": {"coding": [{"system": system("product"), "code": "dysport"}]},
        }
    ]
    resource["medicationReference"] = {"reference": "#med"}
    resource["dosage"]["dose"] = {"value": 50, "unit": "U (abobotulinumtoxinA)"}
    assert post(dr_grey, bundle(patient_entry(), entry))[0] == 200
    assert ExternalAdministration.objects.get().product == "dysport"


# ---- who may import -------------------------------------------------------------------------


def test_reception_and_managers_may_not_import(
    alice: Patient, rita_reception: User, max_manager: User
) -> None:
    for user in (rita_reception, max_manager):
        assert refused(user, bundle(patient_entry(), given(1)), 403)["code"] == "forbidden"
    response = Client().post("/fhir/R4", b"{}", content_type="application/fhir+json")
    assert response.status_code == 401


# ---- bad input: 4xx naming the entry and field, nothing written --------------------------------


def _without(entry: dict[str, Any], *path: str) -> dict[str, Any]:
    changed = copy.deepcopy(entry)
    target = changed["resource"]
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return changed


def _with(entry: dict[str, Any], value: object, *path: str) -> dict[str, Any]:
    changed = copy.deepcopy(entry)
    target = changed["resource"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


FUTURE = (timezone.localdate() + timedelta(days=2)).isoformat()
BAD_ENTRIES = {
    "unknown product": (
        _with(given(1), {"coding": [{"system": system("product"), "code": "snake_oil"}]},
              "medicationCodeableConcept"),
        "Bundle.entry[1].resource.medicationCodeableConcept.coding",
    ),
    "product of an unmapped system": (
        _with(given(1), {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                     "code": "1234"}]}, "medicationCodeableConcept"),
        "Bundle.entry[1].resource.medicationCodeableConcept.coding",
    ),
    "units without a product": (
        _without(given(1), "medicationCodeableConcept"),
        "Bundle.entry[1].resource.medication[x]",
    ),
    "a dose in mL only": (
        _with(given(1), {"value": 0.1, "unit": "mL", "system": "http://unitsofmeasure.org",
                         "code": "mL"}, "dosage", "dose"),
        "Bundle.entry[1].resource.dosage.dose.unit",
    ),
    "another product's units": (
        _with(given(1), "abobotulinumtoxinA", "dosage", "dose", "code"),
        "Bundle.entry[1].resource.dosage.dose.code",
    ),
    "an unknown unit": (
        _with(_without(given(1), "dosage", "dose", "system"), "IU", "dosage", "dose", "unit"),
        "Bundle.entry[1].resource.dosage.dose.unit",
    ),
    "no dose": (_without(given(1), "dosage", "dose"), "Bundle.entry[1].resource.dosage.dose"),
    "a text dose": (
        _with(given(1), "twenty", "dosage", "dose", "value"),
        "Bundle.entry[1].resource.dosage.dose.value",
    ),
    "three decimals": (
        _with(given(1), 2.125, "dosage", "dose", "value"),
        "Bundle.entry[1].resource.dosage.dose.value",
    ),
    "a date in the future": (
        _with(given(1), FUTURE, "effectiveDateTime"), "Bundle.entry[1].resource.effectiveDateTime"
    ),
    "a date out of range": (
        _with(given(1), "1850-01-01", "effectiveDateTime"),
        "Bundle.entry[1].resource.effectiveDateTime",
    ),
    "no real date": (
        _with(given(1), "2025-02-30", "effectiveDateTime"),
        "Bundle.entry[1].resource.effectiveDateTime",
    ),
    "a month only": (
        _with(given(1), "2025-02", "effectiveDateTime"),
        "Bundle.entry[1].resource.effectiveDateTime",
    ),
    "no date": (
        _without(given(1), "effectiveDateTime"), "Bundle.entry[1].resource.effectiveDateTime"
    ),
    "not completed": (_with(given(1), "not-done", "status"), "Bundle.entry[1].resource.status"),
    "no pathway": (_without(given(1), "category"), "Bundle.entry[1].resource.category"),
    "unknown muscle": (
        _with(given(1), {"coding": [{"system": system("muscle"), "code": "heart"}]},
              "dosage", "site"),
        "Bundle.entry[1].resource.dosage.site.coding",
    ),
    "a subject outside the bundle": (
        _with(given(1), {"reference": "Patient/elsewhere"}, "subject"),
        "Bundle.entry[1].resource.subject.reference",
    ),
    "no identifier": (_without(given(1), "identifier"), "Bundle.entry[1].resource.identifier"),
    "an unknown resource type": (
        {"resource": {"resourceType": "Observation", "status": "final"},
         "request": {"method": "POST"}},
        "Bundle.entry[1].resource.resourceType",
    ),
    "no request": (
        {"fullUrl": "urn:uuid:x", "resource": given(1)["resource"]},
        "Bundle.entry[1].request.method",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", BAD_ENTRIES)
def test_a_bad_entry_names_its_index_and_field_and_nothing_is_written(
    alice: Patient, dr_grey: User, name: str
) -> None:
    entry, where = BAD_ENTRIES[name]
    found = refused(dr_grey, bundle(patient_entry(), entry, given(7)))
    assert found["expression"] == [where], found


def test_duplicate_entries_are_refused(alice: Patient, dr_grey: User) -> None:
    twin = copy.deepcopy(given(1))
    twin["fullUrl"] = "urn:uuid:other"
    found = refused(dr_grey, bundle(patient_entry(), given(1), twin))
    assert found["expression"] == ["Bundle.entry[2].resource.identifier"]
    found = refused(dr_grey, bundle(patient_entry(), given(1), given(1)))
    assert found["expression"] == ["Bundle.entry[2].fullUrl"]
    second = patient_entry()
    second["fullUrl"] = "urn:uuid:p2"
    found = refused(dr_grey, bundle(patient_entry(), second, given(1)))
    assert found["expression"] == ["Bundle.entry[1].resource.id"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"{not json", "Bundle"),
        (b"[]", "Bundle.resourceType"),
        (json.dumps({"resourceType": "Patient"}).encode(), "Bundle.resourceType"),
        (json.dumps({"resourceType": "Bundle", "type": "collection"}).encode(), "Bundle.type"),
        (json.dumps({"resourceType": "Bundle", "type": "batch", "entry": []}).encode(),
         "Bundle.entry"),
        (json.dumps({"resourceType": "Bundle", "type": "batch", "entry": [3],
                     "meta": {"source": SOURCE}}).encode(),
         "Bundle.entry[0].resource"),
    ],
)  # fmt: skip
def test_malformed_bundles_are_400(alice: Patient, dr_grey: User, body: bytes, where: str) -> None:
    assert refused(dr_grey, body)["expression"] == [where]


def test_a_patient_without_identifiers_cannot_be_matched(alice: Patient, dr_grey: User) -> None:
    found = refused(dr_grey, bundle(patient_entry(number=None), given(1)))
    assert found["expression"] == ["Bundle.entry[0].resource.identifier"]


# ---- matching and review ---------------------------------------------------------------------


def test_no_match_is_held_for_review_then_confirmed_and_learnt(
    alice: Patient, dr_grey: User
) -> None:
    status, answer = post(dr_grey, bundle(patient_entry(number=None, other="E-77"), given(1)))
    assert status == 200
    assert answer["entry"][1]["response"]["status"] == "202 Accepted"
    assert not ExternalAdministration.objects.exists()
    pending = PendingImport.objects.get()
    assert "no patient" in pending.reason
    assert list(pending.candidates.all()) == [alice]  # same birth date and family name

    client = Client()
    client.force_login(dr_grey)
    page = client.get("/imports/")
    assert page.status_code == 200
    assert b"E-77" in page.content
    assert alice.record_number.encode() in page.content
    done = client.post(
        f"/imports/{pending.pk}/decide",
        {"decision": "confirm", "record_number": alice.record_number},
    )
    assert done.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.patient, pending.decided_by) == (
        PendingStatus.CONFIRMED,
        alice,
        dr_grey,
    )
    assert ExternalAdministration.objects.get().patient == alice
    assert ExternalIdentifier.objects.get(system=OTHER_ID, value="E-77").patient == alice
    assert AuditEvent.objects.filter(action="fhir.import.confirmed", patient_id=alice.pk).exists()

    # Next time the sender's identifier matches without review.
    status, answer = post(dr_grey, bundle(patient_entry(number=None, other="E-77"), given(2)))
    assert answer["entry"][1]["response"]["status"] == "201 Created"
    assert ExternalAdministration.objects.filter(patient=alice).count() == 2


def test_identifiers_naming_two_patients_are_held_and_may_be_rejected(
    alice: Patient, dr_grey: User
) -> None:
    bob = make_patient(dr_grey, "B-002", given_name="Bob", family_name="Baker")
    ExternalIdentifier.objects.create(system=OTHER_ID, value="E-9", patient=bob)
    post(dr_grey, bundle(patient_entry(number="A-001", other="E-9"), given(1)))
    pending = PendingImport.objects.get()
    assert "more than one" in pending.reason
    assert set(pending.candidates.all()) == {alice, bob}
    client = Client()
    client.force_login(dr_grey)
    client.post(f"/imports/{pending.pk}/decide", {"decision": "reject"})
    pending.refresh_from_db()
    assert pending.status == PendingStatus.REJECTED
    assert not ExternalAdministration.objects.exists()
    assert AuditEvent.objects.filter(action="fhir.import.rejected").exists()


def test_a_record_number_with_another_birth_date_is_held(alice: Patient, dr_grey: User) -> None:
    post(dr_grey, bundle(patient_entry(birth="1990-01-01"), given(1)))
    assert "birth date" in PendingImport.objects.get().reason
    assert not ExternalAdministration.objects.exists()


def test_only_clinicians_review_imports(alice: Patient, dr_grey: User, nurse_noor: User) -> None:
    post(dr_grey, bundle(patient_entry(number=None, other="E-1"), given(1)))
    pending = PendingImport.objects.get()
    client = Client()
    client.force_login(nurse_noor)
    assert client.get("/imports/").status_code == 403
    response = client.post(
        f"/imports/{pending.pk}/decide", {"decision": "confirm", "record_number": "A-001"}
    )
    assert response.status_code == 403
    assert PendingImport.objects.get().status == PendingStatus.PENDING


def test_confirming_needs_a_real_patient(alice: Patient, dr_grey: User) -> None:
    post(dr_grey, bundle(patient_entry(number=None, other="E-1"), given(1)))
    pending = PendingImport.objects.get()
    client = Client()
    client.force_login(dr_grey)
    client.post(f"/imports/{pending.pk}/decide", {"decision": "confirm", "record_number": "nope"})
    assert PendingImport.objects.get().status == PendingStatus.PENDING
    assert not ExternalAdministration.objects.exists()
