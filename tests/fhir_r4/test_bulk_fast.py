"""The bulk export's fast path (plain values, keyset pages, codings built once) writes exactly
what the read endpoint serves for the same record, for every exported type, and pages cleanly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bonta.fhir import bulk
from bonta.fhir.models import ExportFile, ExportJob
from bonta.fhir.resources import REGISTRY
from bonta.records.models import Administration, Encounter, EncounterStatus
from fhir_r4.conftest import FhirClient

pytestmark = pytest.mark.django_db

ASYNC = {"Accept": "application/fhir+json", "Prefer": "respond-async"}
FAST = {"Encounter", "Procedure", "MedicationAdministration"}


@pytest.fixture(autouse=True)
def _no_thread(settings: Any, tmp_path: Path) -> None:
    settings.BONTA_EXPORT_THREAD = False
    settings.BONTA_EXPORT_DIR = str(tmp_path / "exports")


def export_lines(client: FhirClient, path: str = "$export") -> dict[str, list[str]]:
    """The raw NDJSON lines of each type's file."""
    response = client.client.get(f"/fhir/R4/{path}", headers={**client.headers, **ASYNC})
    assert response.status_code == 202, response.content
    assert bulk.run_queued() == 1
    job = ExportJob.objects.order_by("-created_at")[0]
    folder = bulk.export_dir()
    return {
        f.resource_type: (folder / f.name).read_text(encoding="utf-8").splitlines()
        for f in ExportFile.objects.filter(job=job)
    }


def test_the_large_types_take_the_fast_path() -> None:
    for name in FAST:
        assert all(s.export is not None for s in REGISTRY[name].sources), name


def test_every_exported_line_is_the_read_endpoints_resource_byte_for_byte(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    files = export_lines(as_grey)
    assert set(files) == set(REGISTRY)  # every type has rows in the demo clinic
    for name, text_lines in files.items():
        assert text_lines, name
        for line in text_lines:
            resource = json.loads(line)
            status, body = as_grey.get(f"{name}/{resource['id']}")
            assert status == 200, (name, body)
            assert line == json.dumps(body, ensure_ascii=False), name


def test_small_chunks_page_through_every_row_once(
    clinic: dict[str, int], as_grey: FhirClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    types = "$export?_type=Encounter,Procedure,MedicationAdministration"
    whole = export_lines(as_grey, types)
    monkeypatch.setattr(bulk, "CHUNK", 3)  # MedicationAdministration: one session per page
    paged = export_lines(as_grey, types)
    for name in FAST:
        assert sorted(paged[name]) == sorted(whole[name]), name
        ids = [json.loads(line)["id"] for line in paged[name]]
        assert len(ids) == len(set(ids)), name
    signed = Encounter.objects.filter(status=EncounterStatus.SIGNED)
    assert len(paged["Encounter"]) == len(paged["Procedure"]) == signed.count()
    points = Administration.objects.filter(encounter__status=EncounterStatus.SIGNED)
    assert len(paged["MedicationAdministration"]) == points.count()


def test_a_group_export_of_administrations_holds_its_members_only(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    members = {str(pk) for pk in bulk.group_members("cosmetic").values_list("pk", flat=True)}
    files = export_lines(as_grey, "Group/cosmetic/$export?_type=MedicationAdministration")
    subjects = {
        json.loads(line)["subject"]["reference"].removeprefix("Patient/")
        for line in files["MedicationAdministration"]
    }
    assert subjects
    assert subjects <= members
    expected = Administration.objects.filter(
        encounter__status=EncounterStatus.SIGNED, encounter__patient_id__in=members
    ).count()
    assert len(files["MedicationAdministration"]) == expected
