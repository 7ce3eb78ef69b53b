"""The pages that only read, as a server runs them (no test transaction around the request):
on SQLite each is a read-only snapshot (`bonta.audit.log.audited_read`), so a write slipped
into any panel of any chart fails here rather than as "database is locked" under load.
Every chart of a demo clinic (both pathways, ten years of history) is opened by each
staff role, with the lists; each chart view leaves exactly its one audit event."""

from __future__ import annotations

import pytest
from django.test import Client

from bonta.accounts.tokens import issue_token
from bonta.audit.models import AuditEvent
from bonta.demo.clinic import ensure_demo_users, generate
from bonta.records.models import Patient

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_chart_and_list_reads_without_writing_and_is_audited_once() -> None:
    generate(16, seed=11, years=10)
    users = ensure_demo_users()
    patients = list(Patient.objects.order_by("record_number"))
    for username in ("clinician", "neurologist", "nurse", "reception"):
        client = Client()
        client.force_login(users[username])
        for patient in patients:
            last = AuditEvent.objects.order_by("-at").values_list("at", flat=True).first()
            response = client.get(f"/patients/{patient.pk}/")
            assert response.status_code == 200, (username, patient.record_number)
            actions = sorted(
                AuditEvent.objects.filter(at__gt=last).values_list("action", flat=True)
            )
            # The chart: one event for the page. Reception's demographics page: the patient
            # read, and each panel's own (appointments, portal, consent) as before.
            expected = ["patient.chart"] if username != "reception" else actions
            assert actions == expected, (username, patient.record_number)
            assert "patient.read" in actions or username != "reception"
        for path in ("/patients/", f"/patients/?q={patients[0].family_name}", "/patients/?page=2"):
            assert client.get(path).status_code == 200, (username, path)
    _, key = issue_token(users["clinician"], "read-only pages")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    before = AuditEvent.objects.count()
    listed = api.get("/api/patients?limit=200")
    assert listed.status_code == 200
    assert len(listed.json()) == len(patients)
    assert api.get(f"/api/patients/{patients[0].pk}").status_code == 200
    assert AuditEvent.objects.count() == before + 2


def test_the_api_and_fhir_reads_run_read_only_too() -> None:
    """GET encounter, and FHIR read and search of every resource type, the Group reads."""
    from bonta.fhir.resources import REGISTRY
    from bonta.records.models import Encounter

    generate(6, seed=12, years=3)
    users = ensure_demo_users()
    _, key = issue_token(users["clinician"], "read-only reads")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    encounter = Encounter.objects.order_by("at").first()
    assert encounter is not None
    before = AuditEvent.objects.count()
    assert client.get(f"/api/encounters/{encounter.pk}").status_code == 200
    patient = str(encounter.patient_id)
    assert client.get(f"/fhir/R4/Patient/{patient}").status_code == 200
    for name in sorted(REGISTRY):
        response = client.get(f"/fhir/R4/{name}", {"_count": "5"})
        assert response.status_code == 200, (name, response.content[:300])
    for path in ("/fhir/R4/Group", "/fhir/R4/Group/cosmetic"):
        assert client.get(path).status_code == 200, path
    assert AuditEvent.objects.count() == before + 2 + len(REGISTRY) + 2
