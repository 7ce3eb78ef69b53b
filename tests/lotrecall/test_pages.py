"""Lot recall pages and the `bonta recall-lot` command."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.cli.main import main
from bonta.lotrecall.models import RecallCampaign, RecallContact
from bonta.records.models import Patient

pytestmark = pytest.mark.django_db


def test_manager_opens_a_recall_and_sees_the_patients(
    exposed: dict[str, Patient], as_max: Client
) -> None:
    response = as_max.post("/lot-recall/", {"lot": "RC-1", "reason": "FSN 2025-01"})
    campaign = RecallCampaign.objects.get()
    assert response.status_code == 302
    page = as_max.get(f"/lot-recall/{campaign.pk}/").content.decode()
    assert 'data-record="A-001"' in page
    assert 'data-record="B-002"' in page
    assert 'data-record="C-003"' not in page
    assert "+44 20 7946 0001" in page
    assert "alice@example.org" in page


def test_bad_search_is_a_422_naming_the_field(as_max: Client) -> None:
    response = as_max.post(
        "/lot-recall/", {"product": "botox", "date_from": "2025-03-01", "reason": "x"}
    )
    assert response.status_code == 422
    assert "is required with a product" in response.content.decode()
    assert not RecallCampaign.objects.exists()


def test_status_form_and_csv(exposed: dict[str, Patient], as_max: Client) -> None:
    as_max.post("/lot-recall/", {"lot": "RC-1", "reason": "FSN"})
    campaign = RecallCampaign.objects.get()
    alice = exposed["alice"]
    response = as_max.post(
        f"/lot-recall/{campaign.pk}/patients/{alice.pk}/status/",
        {"status": "unreachable", "note": "no answer"},
    )
    assert response.status_code == 302
    assert RecallContact.objects.get(patient=alice).status == "unreachable"
    export = as_max.get(f"/lot-recall/{campaign.pk}/recall.csv")
    assert export["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["record_number"], r["outreach_status"]) for r in rows] == [
        ("A-001", "unreachable"),
        ("B-002", "not_contacted"),
        ("B-002", "not_contacted"),
    ]
    assert rows[0]["note"] == "no answer"
    assert AuditEvent.objects.filter(action="lot_recall.export", patient_id=alice.pk).count() == 1


def test_clinician_reads_but_cannot_change(
    exposed: dict[str, Patient], as_max: Client, as_grey: Client, as_noor: Client
) -> None:
    as_max.post("/lot-recall/", {"lot": "RC-1", "reason": "FSN"})
    campaign = RecallCampaign.objects.get()
    assert as_grey.get(f"/lot-recall/{campaign.pk}/").status_code == 200
    assert as_grey.post("/lot-recall/", {"lot": "RC-1", "reason": "x"}).status_code == 403
    bea = exposed["bea"]
    assert (
        as_grey.post(
            f"/lot-recall/{campaign.pk}/patients/{bea.pk}/status/", {"status": "seen"}
        ).status_code
        == 403
    )
    assert not RecallContact.objects.exists()
    assert as_noor.get(f"/lot-recall/{campaign.pk}/").status_code == 403
    assert as_noor.get(f"/lot-recall/{campaign.pk}/recall.csv").status_code == 403
    assert RecallCampaign.objects.count() == 1


def test_cli_recall_lot(
    exposed: dict[str, Patient],
    max_manager: User,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["recall-lot", "RC-1", "--by", "max"]) == 0
    out = capsys.readouterr().out
    assert "A-001" in out
    assert "C-003" not in out
    assert "2 patients received lot RC-1" in out
    target = tmp_path / "recall.csv"
    assert main(["recall-lot", "RC-1", "--by", "max", "--csv", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 3
    assert AuditEvent.objects.filter(action="lot_recall.search").count() == 4


def test_cli_refuses_a_nurse(
    exposed: dict[str, Patient], nurse_noor: User, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recall-lot", "RC-1", "--by", "nurse_noor"]) == 1
    assert "may not search a lot recall" in capsys.readouterr().err
    assert not AuditEvent.objects.filter(action="lot_recall.search").exists()
