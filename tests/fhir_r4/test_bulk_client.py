"""Real clients against the running server: a Bulk Data client (kick-off, poll honouring
Retry-After within a bounded wait, download with the token) written with `requests`, the way
the Bulk Data specification describes one; and fhirpy posting a transaction Bundle.

The export here runs in the thread the kick-off request starts: no worker process is needed.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from fhirpy import SyncFHIRClient

from bonta.accounts.models import Role, User
from bonta.accounts.tokens import issue_token
from bonta.demo.clinic import generate
from bonta.fhir.codes import identifier_system, system
from bonta.records.models import ExternalAdministration, Patient
from fhir_r4.validate import validate

pytestmark = pytest.mark.django_db(transaction=True)
MAX_WAIT = 60.0  # seconds: a bound on the whole poll, not a timing assertion


class BulkClient:
    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def kick_off(self, path: str) -> str:
        response = self.session.get(
            f"{self.base}/{path}",
            headers={"Accept": "application/fhir+json", "Prefer": "respond-async"},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        return response.headers["Content-Location"]

    def wait(self, status_url: str) -> dict[str, Any]:
        deadline = time.monotonic() + MAX_WAIT
        while True:
            response = self.session.get(status_url, timeout=30)
            if response.status_code == 200:
                return response.json()
            assert response.status_code == 202, response.text
            assert "X-Progress" in response.headers
            delay = min(float(response.headers["Retry-After"]), 0.2)  # honour it, but briefly
            assert time.monotonic() + delay < deadline, "export did not finish in time"
            time.sleep(delay)

    def download(self, url: str) -> list[dict[str, Any]]:
        response = self.session.get(url, headers={"Accept": "application/fhir+ndjson"}, timeout=30)
        assert response.status_code == 200
        return [json.loads(line) for line in response.text.splitlines()]


@pytest.fixture
def key(live_server: object) -> str:
    generate(4, seed=8, years=1)
    user = User.objects.create_user("dr_live", role=Role.CLINICIAN)
    return issue_token(user, "bulk")[1]


def test_a_bulk_client_kicks_off_polls_and_downloads(live_server: Any, key: str) -> None:
    client = BulkClient(f"{live_server}/fhir/R4", key)
    manifest = client.wait(client.kick_off("$export"))
    assert manifest["requiresAccessToken"] is True
    by_type = {o["type"]: o for o in manifest["output"]}
    assert by_type["Patient"]["count"] == Patient.objects.count()
    for output in manifest["output"]:
        resources = client.download(output["url"])
        assert len(resources) == output["count"]
        validate(resources[0])
    # Without the token the files are not served.
    assert requests.get(manifest["output"][0]["url"], timeout=30).status_code == 401
    # Cancel (delete) removes it.
    status_url = client.kick_off("Group/cosmetic/$export?_type=Patient")
    client.wait(status_url)
    assert client.session.delete(status_url, timeout=30).status_code == 202
    assert client.session.get(status_url, timeout=30).status_code == 404


def test_fhirpy_posts_a_transaction_bundle(live_server: Any, key: str) -> None:
    patient = Patient.objects.order_by("record_number").first()
    assert patient is not None
    fhir = SyncFHIRClient(f"{live_server}/fhir/R4", authorization=f"Bearer {key}")
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "meta": {"source": "https://elsewhere.example/fhir"},
        "entry": [
            {
                "fullUrl": "urn:uuid:p",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [
                        {
                            "system": identifier_system("record-number"),
                            "value": patient.record_number,
                        }
                    ],
                    "birthDate": patient.birth_date.isoformat(),
                },
                "request": {"method": "PUT", "url": f"Patient?identifier={patient.record_number}"},
            },
            {
                "fullUrl": "urn:uuid:m",
                "resource": {
                    "resourceType": "MedicationAdministration",
                    "id": "m-1",
                    "status": "completed",
                    "category": {"coding": [{"system": system("pathway"), "code": "cosmetic"}]},
                    "medicationCodeableConcept": {
                        "coding": [{"system": system("product"), "code": "xeomin"}]
                    },
                    "subject": {"reference": "urn:uuid:p"},
                    "effectiveDateTime": "2025-03-01T10:00:00+01:00",
                    "dosage": {"dose": {"value": 20, "unit": "U (incobotulinumtoxinA)"}},
                },
                "request": {"method": "POST", "url": "MedicationAdministration"},
            },
        ],
    }
    answer = fhir.execute("", method="post", data=bundle)
    validate(answer)
    assert [e["response"]["status"] for e in answer["entry"]] == ["200 OK", "201 Created"]
    row = ExternalAdministration.objects.get(patient=patient, product="xeomin")
    assert row.source_id == "MedicationAdministration/m-1"
