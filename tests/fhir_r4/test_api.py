"""/fhir/R4: auth and roles, errors as OperationOutcome, search parameters, paging, audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bonta.audit.models import AuditEvent
from bonta.fhir.codes import CODE_SYSTEMS
from bonta.fhir.resources import REGISTRY
from bonta.records.models import Encounter, EncounterStatus, Patient
from fhir_r4.conftest import FhirClient
from fhir_r4.validate import validate

pytestmark = pytest.mark.django_db


def issue(body: dict[str, Any]) -> dict[str, Any]:
    assert body["resourceType"] == "OperationOutcome", body
    validate(body)
    return body["issue"][0]


# ---- metadata and code systems ---------------------------------------------------------------


def test_the_capability_statement_lists_exactly_what_is_served(db: None) -> None:
    status, body = FhirClient(None).get("metadata")
    assert status == 200
    validate(body)
    assert body["fhirVersion"] == "4.0.1"
    assert body["format"] == ["application/fhir+json"]
    served = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(served) == {*REGISTRY, "CodeSystem", "Group"}
    assert {o["name"] for o in body["rest"][0]["operation"]} == {"export", "patient-export"}
    assert {i["code"] for i in body["rest"][0]["interaction"]} == {"transaction", "batch"}
    encounter = {p["name"] for p in served["MedicationAdministration"]["searchParam"]}
    assert encounter == {"patient", "date", "_lastUpdated", "_id", "_count", "_offset"}
    assert "Registration time" in str(served["Patient"]["searchParam"])


def test_every_bonta_code_system_is_readable_and_valid(as_grey: FhirClient) -> None:
    for name in CODE_SYSTEMS:
        status, body = as_grey.get(f"CodeSystem/{name}")
        assert status == 200, name
        validate(body)
        assert body["url"] == f"https://bonta.example/fhir/CodeSystem/{name}"
        assert body["count"] == len(body["concept"]) > 0
    status, body = as_grey.get("CodeSystem/nonsense")
    assert status == 404
    assert issue(body)["code"] == "not-found"


def test_the_canonical_base_is_a_setting(as_grey: FhirClient, settings: Any) -> None:
    settings.BONTA_FHIR_BASE = "https://fhir.clinic.example/base/"
    _, body = as_grey.get("CodeSystem/muscle")
    assert body["url"] == "https://fhir.clinic.example/base/CodeSystem/muscle"


# ---- authentication and roles ----------------------------------------------------------------


def test_no_or_a_bad_token_is_401_as_an_operation_outcome(db: None) -> None:
    for client in (FhirClient(None), FhirClient("bonta_not-a-key")):
        status, body = client.get("Patient")
        assert status == 401
        assert issue(body)["code"] == "login"
        assert client.last["Content-Type"].startswith("application/fhir+json")
        assert client.last["WWW-Authenticate"].startswith("Bearer")


def test_reception_reads_patients_and_appointments_only(
    clinic: dict[str, int], as_rita: FhirClient
) -> None:
    for allowed in ("Patient", "Appointment"):
        assert as_rita.get(allowed)[0] == 200
    for refused in set(REGISTRY) - {"Patient", "Appointment"}:
        status, body = as_rita.get(refused)
        assert status == 403, refused
        assert issue(body)["code"] == "forbidden"
    encounter = Encounter.objects.filter(status=EncounterStatus.SIGNED).first()
    assert encounter is not None
    assert as_rita.get(f"Encounter/{encounter.pk}")[0] == 403


def test_responses_are_never_cached(as_grey: FhirClient) -> None:
    as_grey.get("Patient")
    assert as_grey.last["Cache-Control"] == "no-store"
    as_grey.get("Nonsense")
    assert as_grey.last["Cache-Control"] == "no-store"


def test_writes_are_refused_as_an_operation_outcome(as_grey: FhirClient) -> None:
    response = as_grey.client.post("/fhir/R4/Patient", headers=as_grey.headers)
    assert response.status_code == 405
    assert response.json()["resourceType"] == "OperationOutcome"


# ---- read --------------------------------------------------------------------------------------


def test_read_and_its_audit_event(clinic: dict[str, int], as_grey: FhirClient) -> None:
    patient = Patient.objects.first()
    assert patient is not None
    status, body = as_grey.get(f"Patient/{patient.pk}")
    assert status == 200
    assert body["id"] == str(patient.pk)
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.object_type, event.object_id) == (
        "fhir.read",
        "Patient",
        str(patient.pk),
    )
    assert event.patient_id == patient.pk
    assert patient.family_name not in str(event.detail)


def test_unknown_ids_and_types_are_404_operation_outcomes(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    for path in (
        "Patient/0b6f0c1e-0000-4000-8000-000000000000",
        "Patient/not-a-uuid",
        "Observation/q-0b6f0c1e-0000-4000-8000-000000000000",
        "Nonsense",
        "Nonsense/1",
        "Patient/1/extra/path",
    ):
        status, body = as_grey.get(path)
        assert status == 404, path
        assert issue(body)["severity"] == "error"


# ---- search ------------------------------------------------------------------------------------


def test_search_by_patient_returns_only_that_patients_rows(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    encounter = Encounter.objects.filter(status=EncounterStatus.SIGNED).first()
    assert encounter is not None
    pid = encounter.patient_id
    expected = Encounter.objects.filter(patient_id=pid, status=EncounterStatus.SIGNED).count()
    for value in (str(pid), f"Patient/{pid}"):
        status, bundle = as_grey.get(f"Encounter?patient={value}&_count=100")
        assert status == 200
        assert bundle["total"] == expected
        assert {e["resource"]["subject"]["reference"] for e in bundle["entry"]} == {
            f"Patient/{pid}"
        }
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.patient_id) == ("fhir.search", pid)
    assert event.detail == {"type": "Encounter", "count": expected}


def test_search_by_date_with_prefixes(clinic: dict[str, int], as_grey: FhirClient) -> None:
    signed = Encounter.objects.filter(status=EncounterStatus.SIGNED)
    first = signed.order_by("at").first()
    assert first is not None
    year = first.at.year
    in_year = signed.filter(at__year=year).count()  # UTC is the test clinic's time zone
    _, bundle = as_grey.get(f"Encounter?date={year}&_count=0")
    assert bundle["total"] == in_year
    _, bundle = as_grey.get(f"Encounter?date=ge{year}-01-01&date=lt{year + 1}&_count=0")
    assert bundle["total"] == in_year
    _, bundle = as_grey.get(f"Encounter?date=lt{year}&_count=0")
    assert bundle["total"] == 0
    stamp = first.at.isoformat()
    _, bundle = as_grey.get(f"Encounter?date={stamp.replace('+00:00', 'Z')}&_count=100")
    assert str(first.pk) in {e["resource"]["id"] for e in bundle.get("entry", [])}


def test_search_by_last_updated_and_id(clinic: dict[str, int], as_grey: FhirClient) -> None:
    patients = list(Patient.objects.all()[:2])
    ids = ",".join(str(p.pk) for p in patients)
    _, bundle = as_grey.get(f"Patient?_id={ids}")
    assert {e["resource"]["id"] for e in bundle["entry"]} == {str(p.pk) for p in patients}
    _, bundle = as_grey.get("Patient?_lastUpdated=gt2999-01-01")
    assert bundle["total"] == 0
    _, bundle = as_grey.get("Patient?_lastUpdated=ge2000")
    assert bundle["total"] == Patient.objects.count()
    _, bundle = as_grey.get(f"Patient?identifier={patients[0].record_number}")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(patients[0].pk)]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("Encounter?date=2024-13", "date"),
        ("Encounter?date=sa2024", "date"),
        ("Encounter?date=yesterday", "date"),
        ("Encounter?patient=Practitioner/1", "patient"),
        ("Encounter?patient=not-a-uuid", "patient"),
        ("Encounter?_count=-1", "_count"),
        ("Encounter?_count=ten", "_count"),
        ("Encounter?_offset=x", "_offset"),
        ("Encounter?_id=bad id!", "_id"),
        ("Patient?_lastUpdated=2024-02-30", "_lastUpdated"),
    ],
)
def test_bad_values_are_400_naming_the_parameter(
    as_grey: FhirClient, query: str, parameter: str
) -> None:
    status, body = as_grey.get(query)
    assert status == 400
    found = issue(body)
    assert found["expression"] == [parameter]
    assert parameter in found["diagnostics"]


def test_unknown_parameters_warn_or_are_refused_when_strict(as_grey: FhirClient) -> None:
    status, bundle = as_grey.get("Patient?colour=blue")
    assert status == 200
    validate(bundle)
    (outcome,) = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert outcome["resource"]["issue"][0]["severity"] == "warning"
    assert "colour" in outcome["resource"]["issue"][0]["diagnostics"]
    status, body = as_grey.get("Patient?colour=blue", Prefer="handling=strict")
    assert status == 400
    assert "colour" in issue(body)["diagnostics"]


def test_paging_links_walk_every_row_once(clinic: dict[str, int], as_grey: FhirClient) -> None:
    total = Patient.objects.count()
    seen: list[str] = []
    status, bundle = as_grey.get("Patient?_count=2")
    pages = 0
    while True:
        assert status == 200
        validate(bundle)
        assert bundle["total"] == total
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        if pages:
            assert "previous" in links
        if "next" not in links:
            break
        status, bundle = as_grey.get(links["next"].split("/fhir/R4/", 1)[1])
        pages += 1
    assert len(seen) == len(set(seen)) == total
    assert pages == (total - 1) // 2


def test_observation_pages_merge_both_sources_in_date_order(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    _, everything = as_grey.get("Observation?_count=100")
    dates = [e["resource"]["effectiveDateTime"] for e in everything["entry"]]
    assert dates == sorted(dates)
    paged: list[str] = []
    for offset in range(0, everything["total"], 3):
        _, bundle = as_grey.get(f"Observation?_count=3&_offset={offset}")
        paged += [e["resource"]["id"] for e in bundle["entry"]]
    assert paged == [e["resource"]["id"] for e in everything["entry"]]


@pytest.mark.parametrize("resource_type", sorted(REGISTRY))
def test_the_query_count_does_not_grow_with_the_page_size(
    clinic: dict[str, int], as_grey: FhirClient, resource_type: str
) -> None:
    def queries(count: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            status, bundle = as_grey.get(f"{resource_type}?_count={count}")
        assert status == 200
        assert len(bundle.get("entry", [])) == min(count, bundle["total"])
        return len(captured)

    # A page drawing on several sources (Observation) fetches each source it touches: at most
    # one query more per further source, never one per row.
    extra = len(REGISTRY[resource_type].sources) - 1
    queries(1)  # warm up: the token's first use writes its last-used time (once a minute)
    assert queries(2) <= queries(50) <= queries(2) + extra
    assert queries(50) == queries(100)
