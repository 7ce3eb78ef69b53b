"""A bundle is written with set-based queries (queries grow with patients, not entries), the
history callbacks run once per distinct patient, one audit event per patient says who
imported how many, and the lot of a contained Medication is kept."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.fhir.codes import identifier_system
from bonta.fhir.imports import import_bundle
from bonta.fhir.models import ExternalIdentifier, ImportedBundle
from bonta.records.models import ExternalAdministration, Patient
from bonta.records.services import encounters
from fhir_r4.test_import import OTHER_ID, SOURCE, bundle, given, post
from records.clinic import make_patient

pytestmark = pytest.mark.django_db


def patient(number: str, url: str) -> dict[str, Any]:
    return {
        "fullUrl": url,
        "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": identifier_system("record-number"), "value": number}],
        },
        "request": {"method": "PUT"},
    }


def many(patients: list[Patient], per_patient: int, run: str) -> bytes:
    entries = []
    for p_index, one in enumerate(patients):
        url = f"urn:uuid:{run}-p{p_index}"
        entries.append(patient(one.record_number, url))
        for n in range(per_patient):
            entry = given(p_index * 1000 + n, subject=url)
            entry["fullUrl"] = f"urn:uuid:{run}-m{p_index}-{n}"
            entry["resource"]["identifier"][0]["value"] = f"{run}-{p_index}-{n}"
            entries.append(entry)
    return json.dumps(bundle(*entries)).encode()


def with_lot(entry: dict[str, Any], batch: dict[str, Any] | None) -> dict[str, Any]:
    resource = entry["resource"]
    medication: dict[str, Any] = {
        "resourceType": "Medication",
        "id": "product",
        "code": resource.pop("medicationCodeableConcept"),
    }
    if batch is not None:
        medication["batch"] = batch
    resource["contained"] = [medication]
    resource["medicationReference"] = {"reference": "#product"}
    return entry


@pytest.fixture
def clinic_patients(dr_grey: User) -> list[Patient]:
    return [make_patient(dr_grey, f"B-{n:03}", consents=()) for n in range(6)]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[UUID]:
    seen: list[UUID] = []
    monkeypatch.setattr(encounters, "HISTORY_CHANGED", [seen.append])
    return seen


def queries_for(body: bytes, by: User) -> int:
    with CaptureQueriesContext(connection) as captured:
        import_bundle(body, by=by)
    return len(captured)


def test_queries_do_not_grow_with_entries_and_by_one_audit_row_per_patient(
    clinic_patients: list[Patient], dr_grey: User, calls: list[UUID]
) -> None:
    two = clinic_patients[:2]
    few = queries_for(many(two, 1, "a"), dr_grey)
    lots = queries_for(many(two, 30, "b"), dr_grey)
    assert lots == few  # 60 administrations cost what 2 do
    six = queries_for(many(clinic_patients, 1, "c"), dr_grey)
    assert six == few + 4  # four more patients: their audit event each, nothing else
    assert ExternalAdministration.objects.count() == 2 + 60 + 6


def test_history_callbacks_run_once_per_distinct_patient(
    clinic_patients: list[Patient], dr_grey: User, calls: list[UUID]
) -> None:
    import_bundle(many(clinic_patients[:3], 5, "a"), by=dr_grey)
    assert calls == [p.pk for p in clinic_patients[:3]]
    # Two Patient entries naming one local patient (record number; a linked identifier).
    calls.clear()
    first = clinic_patients[0]
    ExternalIdentifier.objects.create(system=OTHER_ID, value="X-1", patient=first)
    body = json.loads(many([first, clinic_patients[1]], 2, "b"))
    body["entry"][3]["resource"]["identifier"] = [{"system": OTHER_ID, "value": "X-1"}]
    import_bundle(json.dumps(body).encode(), by=dr_grey)
    assert calls == [first.pk]
    [event] = AuditEvent.objects.filter(
        action="external_administration.record", patient_id=first.pk, detail__count=4
    )
    assert event.actor_id == dr_grey.pk


def test_one_audit_event_per_patient_names_who_and_how_many(
    clinic_patients: list[Patient], dr_grey: User
) -> None:
    import_bundle(many(clinic_patients[:2], 4, "a"), by=dr_grey)
    for one in clinic_patients[:2]:
        [event] = AuditEvent.objects.filter(
            action="external_administration.record", patient_id=one.pk
        )
        assert event.actor_id == dr_grey.pk
        assert event.detail == {"count": 4, "codes": ["botox_cosmetic"]}
    assert AuditEvent.objects.filter(action="fhir.import").count() == 1


def test_a_failing_entry_among_many_writes_nothing_and_is_named(
    clinic_patients: list[Patient], dr_grey: User
) -> None:
    body = json.loads(many(clinic_patients[:3], 5, "a"))
    body["entry"][14]["resource"]["dosage"]["dose"]["value"] = -1
    status, answer = post(dr_grey, body)
    assert status == 400
    assert answer["issue"][0]["expression"] == ["Bundle.entry[14].resource.dosage.dose.value"]
    assert not ExternalAdministration.objects.exists()


def test_the_lot_and_expiry_of_a_contained_medication_are_kept(
    alice: Patient, dr_grey: User
) -> None:
    from fhir_r4.test_import import patient_entry

    entries = [
        patient_entry(),
        with_lot(given(1), {"lotNumber": "C4321", "expirationDate": "2026-03-31"}),
        with_lot(given(2), {"lotNumber": "C9999"}),
        with_lot(given(3), None),
        given(4),
    ]
    status, _ = post(dr_grey, bundle(*entries))
    assert status == 200
    rows = {r.source_id.rsplit("|ma-", 1)[1]: r for r in ExternalAdministration.objects.all()}
    assert (rows["1"].lot, rows["1"].lot_expiry) == ("C4321", date(2026, 3, 31))
    assert (rows["2"].lot, rows["2"].lot_expiry) == ("C9999", None)
    assert (rows["3"].lot, rows["4"].lot) == ("", "")


@pytest.mark.parametrize(
    ("batch", "where"),
    [
        ({"lotNumber": 42}, "batch.lotNumber"),
        ({"lotNumber": "L1", "expirationDate": "2026-02-30"}, "batch.expirationDate"),
        ({"lotNumber": "L1", "expirationDate": "2026-02"}, "batch.expirationDate"),
        ({"lotNumber": "L" * 201}, "batch.lotNumber"),
        ({"lotNumber": "L1\n2"}, "batch.lotNumber"),
        ("L1", "batch"),
    ],
)
def test_a_bad_batch_is_refused_naming_its_field(
    alice: Patient, dr_grey: User, batch: Any, where: str
) -> None:
    from fhir_r4.test_import import patient_entry

    status, answer = post(dr_grey, bundle(patient_entry(), with_lot(given(1), batch)))
    assert status == 400, answer
    assert answer["issue"][0]["expression"] == [f"Bundle.entry[1].resource.contained[0].{where}"]
    assert not ExternalAdministration.objects.exists()


def test_a_held_import_keeps_the_lot_until_it_is_confirmed(alice: Patient, dr_grey: User) -> None:
    from bonta.fhir.imports import confirm
    from bonta.fhir.models import PendingImport
    from fhir_r4.test_import import patient_entry

    entry = with_lot(given(1), {"lotNumber": "H77", "expirationDate": "2026-01-31"})
    post(dr_grey, bundle(patient_entry(number=None, other="E-9"), entry))
    confirm(PendingImport.objects.get(), alice, by=dr_grey)
    row = ExternalAdministration.objects.get()
    assert (row.lot, row.lot_expiry, row.source_system) == ("H77", date(2026, 1, 31), SOURCE)


def test_a_record_already_on_the_chart_from_that_source_is_a_409_naming_the_entry(
    alice: Patient, dr_grey: User
) -> None:
    from bonta.records.services.external import ExternalItem, record_external_administrations
    from fhir_r4.test_import import patient_entry

    record_external_administrations(
        alice,
        [
            ExternalItem(
                on=date(2025, 2, 20),
                product="botox_cosmetic",
                units="20",
                pathway_code="cosmetic",
                source_id=f"{SOURCE}/ma|ma-2",
            )
        ],
        by=dr_grey,
        source_system=SOURCE,
    )
    status, answer = post(dr_grey, bundle(patient_entry(), given(1), given(2)))
    assert status == 409, answer
    assert answer["issue"][0]["expression"] == ["Bundle.entry[2].resource.identifier"]
    assert "already recorded" in answer["issue"][0]["diagnostics"]
    assert ExternalAdministration.objects.count() == 1
    assert not ImportedBundle.objects.exists()
