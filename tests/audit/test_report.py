"""The manager's audit report page (/audit/): managers only, filtered, paginated, exported as
CSV with the same filters, and audited itself."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.audit.models import AuditEvent
from bonta.web.audit_report import PAGE_SIZE
from records.clinic import make_patient

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_patients(dr_grey, nurse_noor):
    alice = make_patient(dr_grey, "A-001")
    bob = make_patient(nurse_noor, "B-002", given_name="Bob", family_name="Baker")
    return alice, bob


def test_only_managers_may_open_it(dr_grey, nurse_noor, rita_reception, max_manager):
    for user in (dr_grey, nurse_noor, rita_reception):
        response = client_for(user).get("/audit/")
        assert response.status_code == 403
        assert client_for(user).get("/audit/export.csv").status_code == 403
    assert Client().get("/audit/").status_code == 302  # to the sign-in page
    assert client_for(max_manager).get("/audit/").status_code == 200


def test_the_menu_shows_it_to_managers_only(dr_grey, max_manager):
    assert b'href="/audit/"' in client_for(max_manager).get("/patients/").content
    assert b'href="/audit/"' not in client_for(dr_grey).get("/patients/").content


def test_filters_by_patient_user_and_action(two_patients, max_manager, nurse_noor):
    _alice, bob = two_patients
    page = client_for(max_manager).get("/audit/", {"patient": "B-002"})
    rows = page.context["rows"]
    assert rows
    assert {r.patient for r in rows} == {"B-002"}
    assert {r.event.patient_id for r in rows} == {bob.pk}
    by_noor = client_for(max_manager).get("/audit/", {"user": "nurse_noor"}).context["rows"]
    assert {r.user for r in by_noor} == {"nurse_noor"}
    creates = client_for(max_manager).get("/audit/", {"action": "patient.create"}).context["rows"]
    assert sorted(r.patient for r in creates) == ["A-001", "B-002"]
    assert b"B-002" in page.content
    assert b"Baker" not in page.content  # the log holds no names


def test_filters_by_date_range(two_patients, max_manager):
    today = timezone.localdate()
    inside = client_for(max_manager).get("/audit/", {"since": today, "until": today})
    assert inside.context["page"].paginator.count > 0
    before = today - timedelta(days=3)
    empty = client_for(max_manager).get("/audit/", {"until": before})
    assert empty.context["page"].paginator.count == 0
    assert b"No event matches." in empty.content


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"patient": "Z-404"}, "patient"),
        ({"user": "nobody"}, "user"),
        ({"action": "DROP TABLE"}, "action"),
        ({"since": "31/12/2025"}, "since"),
        ({"since": "2025-03-02", "until": "2025-03-01"}, "until"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field_and_write_nothing(max_manager, params, field):
    client = client_for(max_manager)  # signing in is audited: before the count
    before = AuditEvent.objects.count()
    response = client.get("/audit/", params)
    assert response.status_code == 400
    assert response.context["error"].field == field
    assert f"{field}: ".encode() in response.content
    exported = client.get("/audit/export.csv", params)
    assert exported.status_code == 400
    assert exported.content.decode().startswith(f"{field}: ")
    assert AuditEvent.objects.count() == before


def test_pages_of_fifty_newest_first(max_manager, dr_grey):
    with transaction.atomic():
        for _ in range(PAGE_SIZE + 5):
            record("patient.read", actor=dr_grey, object_type="patient")
    first = client_for(max_manager).get("/audit/", {"action": "patient.read"})
    assert len(first.context["rows"]) == PAGE_SIZE
    ids = [r.event.id for r in first.context["rows"]]  # written order: unsealed ones too
    assert ids == sorted(ids, reverse=True)
    assert b"unsealed" in first.content  # not in the chain yet, and the page says so
    assert b"page=2" in first.content
    assert b"action=patient.read" in first.content  # the filter survives paging
    second = client_for(max_manager).get("/audit/", {"action": "patient.read", "page": 2})
    assert len(second.context["rows"]) == 5


def test_viewing_and_exporting_are_audited(two_patients, max_manager):
    alice, _ = two_patients
    client_for(max_manager).get("/audit/", {"patient": "A-001", "action": "patient.create"})
    seen = AuditEvent.objects.order_by("-id").first()
    assert (seen.action, seen.actor_id, seen.patient_id) == (
        "audit.report",
        max_manager.pk,
        alice.pk,
    )
    assert seen.detail == {"kind": "page", "count": 1, "fields": ["patient", "action"]}
    b"".join(client_for(max_manager).get("/audit/export.csv").streaming_content)
    exported = AuditEvent.objects.order_by("-id").first()
    assert exported.detail["kind"] == "csv"
    assert exported.patient_id is None


def test_the_csv_has_the_same_filters(two_patients, max_manager):
    response = client_for(max_manager).get("/audit/export.csv", {"patient": "B-002"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    assert {r["patient"] for r in rows} == {"B-002"}
    page = client_for(max_manager).get("/audit/", {"patient": "B-002"})
    shown = [r.event.seq for r in page.context["rows"]]
    assert [r["seq"] for r in rows] == ["" if seq is None else str(seq) for seq in shown]


def test_csv_cells_never_start_a_formula(max_manager, dr_grey):
    with transaction.atomic():
        record("patient.read", actor=dr_grey, object_type="patient", object_id="=HYPERLINK(1)")
    text = b"".join(client_for(max_manager).get("/audit/export.csv").streaming_content).decode()
    assert "'=HYPERLINK(1)" in text
