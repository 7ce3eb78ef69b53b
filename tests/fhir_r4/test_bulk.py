"""Bulk Data $export: kick-off rules, status, manifest, files, _type/_since, groups, access,
cancel, expiry, claims and leases, audit, queries per chunk."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.fhir import bulk
from bonta.fhir.models import ExportFile, ExportJob, ExportStatus
from bonta.fhir.resources import REGISTRY
from bonta.records.models import Administration, Course, Encounter, EncounterStatus, Patient
from fhir_r4.conftest import FhirClient, client_for
from fhir_r4.validate import validate
from records.clinic import alice  # noqa: F401

pytestmark = pytest.mark.django_db

ASYNC = {"Accept": "application/fhir+json", "Prefer": "respond-async"}


@pytest.fixture(autouse=True)
def _no_thread(settings: Any, tmp_path: Path) -> None:
    # These tests run inside one test transaction: the job runs when the test says so.
    settings.BONTA_EXPORT_THREAD = False
    settings.BONTA_EXPORT_DIR = str(tmp_path / "exports")


def kick(client: FhirClient, path: str = "$export", **headers: str) -> tuple[int, Any, str]:
    response = client.client.get(f"/fhir/R4/{path}", headers={**client.headers, **headers})
    body = json.loads(response.content) if response.content else None
    return response.status_code, body, response.get("Content-Location", "")


def poll(client: FhirClient, url: str, method: str = "get") -> Any:
    return getattr(client.client, method)(url, headers=client.headers)


def export(client: FhirClient, path: str = "$export") -> dict[str, Any]:
    status, body, location = kick(client, path, **ASYNC)
    assert status == 202, body
    assert bulk.run_queued() == 1
    response = poll(client, location)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def lines(client: FhirClient, url: str) -> list[dict[str, Any]]:
    response = client.client.get(url, headers=client.headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    text = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in text.splitlines()]


def issue(body: dict[str, Any]) -> dict[str, Any]:
    assert body["resourceType"] == "OperationOutcome", body
    validate(body)
    return body["issue"][0]


# ---- kick-off --------------------------------------------------------------------------------


def test_kick_off_needs_the_accept_and_prefer_headers(as_grey: FhirClient) -> None:
    status, body, _ = kick(as_grey, Prefer="respond-async")
    assert status == 400
    assert issue(body)["expression"] == ["Accept"]
    status, body, _ = kick(as_grey, Accept="application/fhir+json")
    assert status == 400
    assert issue(body)["expression"] == ["Prefer"]
    assert not ExportJob.objects.exists()


def test_kick_off_answers_202_with_a_status_url_and_polling_says_retry_after(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    status, _body, location = kick(as_grey, **ASYNC)
    assert status == 202
    assert location.startswith("http://testserver/fhir/R4/$export-poll/")
    response = poll(as_grey, location)
    assert response.status_code == 202
    assert int(response["Retry-After"]) >= 1
    assert response["X-Progress"] == "queued"


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("_type=Nonsense", "_type"),
        ("_type=Patient,,Encounter", "_type"),
        ("_since=yesterday", "_since"),
        ("_since=2025-01-01", "_since"),  # an instant needs a time and zone
        ("_since=2025-02-30T00:00:00Z", "_since"),
        ("_outputFormat=text/csv", "_outputFormat"),
        ("_elements=id", "_elements"),
    ],
)
def test_bad_kick_off_parameters_are_400_naming_the_parameter(
    as_grey: FhirClient, query: str, where: str
) -> None:
    status, body, _ = kick(as_grey, f"$export?{query}", **ASYNC)
    assert status == 400, query
    assert issue(body)["expression"] == [where]
    assert not ExportJob.objects.exists()


def test_lenient_handling_ignores_unsupported_parameters(as_grey: FhirClient) -> None:
    status, _, _ = kick(
        as_grey, "$export?_elements=id", Accept="application/fhir+json",
        Prefer="respond-async, handling=lenient",
    )  # fmt: skip
    assert status == 202


def test_practitioner_is_not_in_a_patient_level_export(as_grey: FhirClient) -> None:
    status, body, _ = kick(as_grey, "Patient/$export?_type=Practitioner", **ASYNC)
    assert status == 400
    assert "compartment" in issue(body)["diagnostics"]


def test_reception_may_export_only_what_it_may_read(
    clinic: dict[str, int], as_rita: FhirClient
) -> None:
    status, body, _ = kick(as_rita, **ASYNC)
    assert status == 403
    assert issue(body)["code"] == "forbidden"
    status, _, _ = kick(as_rita, "$export?_type=Patient,Appointment", **ASYNC)
    assert status == 202


def test_no_token_is_401(db: None) -> None:
    response = Client().get("/fhir/R4/$export", headers=ASYNC)
    assert response.status_code == 401


# ---- the export itself -----------------------------------------------------------------------


def test_system_export_writes_one_valid_ndjson_file_per_type(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    manifest = export(as_grey)
    assert manifest["requiresAccessToken"] is True
    assert manifest["error"] == []
    assert manifest["request"].endswith("/fhir/R4/$export")
    assert manifest["transactionTime"].endswith("Z")
    types = [o["type"] for o in manifest["output"]]
    assert len(types) == len(set(types))
    assert set(types) <= set(REGISTRY)
    by_type = {o["type"]: o for o in manifest["output"]}
    assert by_type["Patient"]["count"] == Patient.objects.count()
    signed = Administration.objects.filter(encounter__status=EncounterStatus.SIGNED)
    assert by_type["MedicationAdministration"]["count"] == signed.count()
    for output in manifest["output"]:
        resources = lines(as_grey, output["url"])
        assert len(resources) == output["count"]
        assert {r["resourceType"] for r in resources} == {output["type"]}
        for resource in resources[:25]:
            validate(resource)


def test_files_are_0600_under_the_exports_folder_with_random_names(
    clinic: dict[str, int], as_grey: FhirClient, settings: Any
) -> None:
    export(as_grey)
    folder = Path(settings.BONTA_EXPORT_DIR)
    names = [f.name for f in ExportFile.objects.all()]
    assert names
    for name in names:
        path = folder / name
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert len(name) > 30  # random, not the type's name
        assert "Patient" not in name


def test_type_and_since_select_what_is_sent(clinic: dict[str, int], as_grey: FhirClient) -> None:
    manifest = export(as_grey, "$export?_type=Encounter,Patient")
    assert [o["type"] for o in manifest["output"]] == ["Encounter", "Patient"]
    latest = Encounter.objects.filter(status=EncounterStatus.SIGNED).order_by("-signed_at")[0]
    since = latest.signed_at - timedelta(microseconds=1)
    manifest = export(
        as_grey, f"$export?_type=Encounter&_since={since.isoformat().replace('+00:00', 'Z')}"
    )
    [output] = manifest["output"]
    later = Encounter.objects.filter(status=EncounterStatus.SIGNED, signed_at__gt=since)
    assert output["count"] == later.count() >= 1
    far = "2999-01-01T00:00:00Z"
    assert export(as_grey, f"$export?_since={far}&_type=Encounter")["output"] == []


def test_resources_changed_after_the_transaction_time_are_left_for_the_next_export(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    _status, _, location = kick(as_grey, "$export?_type=Patient", **ASYNC)
    job = ExportJob.objects.get()
    job.status = ExportStatus.RUNNING
    job.claimed_by = "me"
    job.save()
    later = timezone.now() - timedelta(days=1)
    Patient.objects.filter(pk=Patient.objects.order_by("pk")[0].pk).update(
        created_at=timezone.now() + timedelta(hours=1)
    )
    bulk.run(job, "me")
    job.refresh_from_db()
    assert job.transaction_time is not None
    assert job.transaction_time > later
    [output] = json.loads(poll(as_grey, location).content)["output"]
    assert output["count"] == Patient.objects.count() - 1


def test_group_export_holds_the_pathway_members_only(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    members = set(bulk.group_members("chronic-migraine").values_list("pk", flat=True))
    assert members
    assert len(members) < Patient.objects.count()  # the demo has cosmetic-only patients
    manifest = export(as_grey, "Group/chronic-migraine/$export")
    by_type = {o["type"]: o for o in manifest["output"]}
    assert "Practitioner" not in by_type
    patients = lines(as_grey, by_type["Patient"]["url"])
    assert {p["id"] for p in patients} == {str(pk) for pk in members}
    for resource in lines(as_grey, by_type["Encounter"]["url"]):
        assert resource["subject"]["reference"].removeprefix("Patient/") in {
            str(pk) for pk in members
        }
    status, _body, _ = kick(as_grey, "Group/nonsense/$export", **ASYNC)
    assert status == 404


def test_groups_are_served_as_group_resources(clinic: dict[str, int], as_grey: FhirClient) -> None:
    status, body = as_grey.get("Group/cosmetic")
    assert status == 200
    validate(body)
    expected = set(bulk.group_members("cosmetic").values_list("pk", flat=True))
    assert body["quantity"] == len(expected)
    assert {m["entity"]["reference"] for m in body["member"]} == {
        f"Patient/{pk}" for pk in expected
    }
    on_course = Course.objects.filter(pathway="cosmetic").values_list("patient_id", flat=True)
    assert set(on_course) <= expected
    status, body = as_grey.get("Group")
    assert status == 200
    validate(body)
    assert {e["resource"]["id"] for e in body["entry"]} == {"cosmetic", "chronic-migraine"}
    assert as_grey.get("Group/other")[0] == 404


def test_patient_level_export_has_every_patient_and_no_practitioner(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    manifest = export(as_grey, "Patient/$export")
    by_type = {o["type"]: o for o in manifest["output"]}
    assert "Practitioner" not in by_type
    assert by_type["Patient"]["count"] == Patient.objects.count()


def test_queries_grow_with_chunks_not_rows(
    clinic: dict[str, int], as_grey: FhirClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    kick(as_grey, "$export?_type=MedicationAdministration,Procedure", **ASYNC)
    rows = Administration.objects.filter(encounter__status=EncounterStatus.SIGNED).count()
    assert rows > 40
    monkeypatch.setattr(bulk, "CHUNK", 10)
    with CaptureQueriesContext(connection) as queries:
        bulk.run_queued()
    chunks = rows // 10 + Encounter.objects.filter(status=EncounterStatus.SIGNED).count() // 10
    # Each chunk: its rows, its prefetch, a lease renewal; plus a fixed number per job and type.
    assert len(queries) <= 3 * (chunks + 2) + 30
    assert len(queries) < rows


# ---- access, cancel, expiry ------------------------------------------------------------------


def test_only_the_user_who_started_it_or_a_manager_sees_the_export(
    clinic: dict[str, int], as_grey: FhirClient, nurse_noor: User, max_manager: User
) -> None:
    manifest = export(as_grey, "$export?_type=Patient")
    job = ExportJob.objects.get()
    url = manifest["output"][0]["url"]
    nurse = client_for(nurse_noor)
    for target in (url, f"/fhir/R4/$export-poll/{job.pk}"):
        response = nurse.client.get(target, headers=nurse.headers)
        assert response.status_code == 403
        assert Client().get(target).status_code == 401
    manager = client_for(max_manager)
    assert len(lines(manager, url)) == Patient.objects.count()


def test_every_step_is_audited_without_patient_text(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    manifest = export(as_grey, "$export?_type=Patient,Encounter")
    for output in manifest["output"]:
        lines(as_grey, output["url"])
    job = ExportJob.objects.get()
    events = AuditEvent.objects.filter(object_id=str(job.pk)).order_by("id")
    actions = [e.action for e in events]
    assert actions == [
        "fhir.export.start",
        "fhir.export.complete",
        "fhir.export.download",
        "fhir.export.download",
    ]
    complete = events[1].detail
    assert complete["counts"] == {o["type"]: o["count"] for o in manifest["output"]}
    assert {e.detail["type"] for e in events[2:]} == {"Patient", "Encounter"}
    patient = Patient.objects.first()
    assert patient is not None
    assert patient.family_name not in json.dumps([e.detail for e in events])


def test_delete_cancels_and_removes_the_files(
    clinic: dict[str, int], as_grey: FhirClient, settings: Any
) -> None:
    manifest = export(as_grey, "$export?_type=Patient")
    job = ExportJob.objects.get()
    location = f"/fhir/R4/$export-poll/{job.pk}"
    assert any(Path(settings.BONTA_EXPORT_DIR).iterdir())
    response = poll(as_grey, location, "delete")
    assert response.status_code == 202
    assert not any(Path(settings.BONTA_EXPORT_DIR).iterdir())
    assert poll(as_grey, location).status_code == 404
    assert as_grey.client.get(
        manifest["output"][0]["url"], headers=as_grey.headers
    ).status_code in (404,)
    assert poll(as_grey, location, "delete").status_code == 404


def test_a_cancelled_running_job_stops_at_its_next_chunk(
    clinic: dict[str, int], as_grey: FhirClient, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kick(as_grey, "$export?_type=MedicationAdministration", **ASYNC)
    job = bulk.claim("runner")
    assert job is not None
    monkeypatch.setattr(bulk, "CHUNK", 5)
    original = bulk._heartbeat

    def cancel_then_beat(*args: Any) -> None:
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.CANCELLED)
        original(*args)

    monkeypatch.setattr(bulk, "_heartbeat", cancel_then_beat)
    bulk.run(job, "runner")
    job.refresh_from_db()
    assert job.status == ExportStatus.CANCELLED
    assert not ExportFile.objects.exists()
    assert not any(Path(settings.BONTA_EXPORT_DIR).iterdir())


def test_an_expired_export_is_gone_and_its_files_deleted(
    clinic: dict[str, int], as_grey: FhirClient, settings: Any
) -> None:
    manifest = export(as_grey, "$export?_type=Patient")
    job = ExportJob.objects.get()
    assert job.expires_at is not None
    assert job.expires_at - job.finished_at == timedelta(hours=24)  # type: ignore[operator]
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = poll(as_grey, f"/fhir/R4/$export-poll/{job.pk}")
    assert response.status_code == 410
    assert not any(Path(settings.BONTA_EXPORT_DIR).iterdir())
    assert (
        as_grey.client.get(manifest["output"][0]["url"], headers=as_grey.headers).status_code == 404
    )


def test_the_expiry_is_configurable(
    clinic: dict[str, int], as_grey: FhirClient, settings: Any
) -> None:
    settings.BONTA_EXPORT_EXPIRY_HOURS = 2
    export(as_grey, "$export?_type=Patient")
    job = ExportJob.objects.get()
    assert job.expires_at - job.finished_at == timedelta(hours=2)  # type: ignore[operator]


# ---- claims and leases -----------------------------------------------------------------------


def test_a_claimed_job_is_not_claimed_again_until_its_lease_runs_out(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    kick(as_grey, "$export?_type=Patient", **ASYNC)
    first = bulk.claim("one")
    assert first is not None
    assert bulk.claim("two") is None
    ExportJob.objects.filter(pk=first.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    again = bulk.claim("two")
    assert again is not None
    assert again.pk == first.pk
    assert again.attempts == 2
    bulk.run(again, "two")
    # The first runner, if it wakes up, finds the job is no longer its own.
    with pytest.raises(bulk.Stopped):
        bulk._heartbeat(first, "one", {})
    again.refresh_from_db()
    assert again.status == ExportStatus.COMPLETED


def test_a_job_whose_runners_keep_dying_fails(clinic: dict[str, int], as_grey: FhirClient) -> None:
    kick(as_grey, "$export?_type=Patient", **ASYNC)
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING,
        attempts=bulk.MAX_ATTEMPTS,
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    assert bulk.claim("next") is None
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    response = poll(as_grey, f"/fhir/R4/$export-poll/{job.pk}")
    assert response.status_code == 500
    assert "stopped" in issue(json.loads(response.content))["diagnostics"]


def test_a_failing_export_reports_an_error_without_details(
    clinic: dict[str, int], as_grey: FhirClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    kick(as_grey, "$export?_type=Patient", **ASYNC)

    class Broken:
        @staticmethod
        def encode(resource: dict[str, Any]) -> str:
            raise ValueError(resource["name"][0]["family"])  # an error that names a patient

    monkeypatch.setattr(bulk, "ENCODER", Broken)
    bulk.run_queued()
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.FAILED
    assert not ExportFile.objects.exists()
    patient = Patient.objects.first()
    assert patient is not None
    assert patient.family_name not in job.error


# ---- the workers -----------------------------------------------------------------------------


def test_bonta_export_worker_runs_queued_jobs(clinic: dict[str, int], as_grey: FhirClient) -> None:
    from django.core.management import call_command

    kick(as_grey, "$export?_type=Patient", **ASYNC)
    call_command("bonta_export_worker", until_idle=True)
    assert ExportJob.objects.get().status == ExportStatus.COMPLETED


def test_the_reminder_worker_runs_queued_exports_too(
    alice: Patient,  # noqa: F811
    as_grey: FhirClient,
    settings: Any,
) -> None:
    from bonta.reminders.worker import OTHER_JOBS, Worker

    settings.BONTA_SMTP_HOST = "127.0.0.1"  # never contacted: no reminder is due
    settings.BONTA_SMTP_FROM = "clinic@example.org"

    assert any(job.__qualname__.endswith("queued_exports") for job in OTHER_JOBS)
    kick(as_grey, "$export?_type=Patient", **ASYNC)
    assert Worker(batch_size=1, poll_seconds=1, enqueue_every_seconds=0).step() is True
    assert ExportJob.objects.get().status == ExportStatus.COMPLETED


@pytest.mark.parametrize(
    ("group", "pathway"), [("cosmetic", "cosmetic"), ("chronic-migraine", "chronic_migraine")]
)
def test_group_membership_is_courses_or_signed_visits_on_the_pathway(
    clinic: dict[str, int], group: str, pathway: str
) -> None:
    """The set the Group definition states, computed plainly (the query is a UNION)."""
    from bonta.records.models import Encounter

    on_course = set(Course.objects.filter(pathway=pathway).values_list("patient_id", flat=True))
    visited = set(
        Encounter.objects.filter(pathway=pathway, status="signed").values_list(
            "patient_id", flat=True
        )
    )
    members = set(bulk.group_members(group).values_list("pk", flat=True))
    assert members == on_course | visited
    assert members
