"""The diary page's "medication overuse managed?" form (NICE TA260 1.1).

Dr Grey (clinician) records the statement; Noor (nurse) reads it but gets no form and is
refused if she posts; a bad form re-renders with its field error and writes nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.migraine.models import OveruseManagement
from bonta.migraine.services import local_today
from bonta.records.models import Patient
from migraine.conftest import signed_migraine_sessions

TODAY = local_today()


@pytest.fixture
def migraine_patient(alice: Patient, dr_grey: User) -> Patient:
    signed_migraine_sessions(alice, dr_grey, TODAY - timedelta(days=30))
    return alice


def post(client: Client, patient: Patient, **data: object) -> object:
    return client.post(f"/patients/{patient.pk}/diary/overuse/", data)


def page(client: Client, patient: Patient) -> str:
    response = client.get(f"/patients/{patient.pk}/diary/")
    assert response.status_code == 200
    return response.content.decode()


def test_before_any_statement_the_page_says_not_recorded(
    as_grey: Client, migraine_patient: Patient
) -> None:
    html = page(as_grey, migraine_patient)
    assert "Medication overuse managed:" in html
    assert re.search(r"Medication overuse managed: .*?not yet evaluable.*?not recorded", html, re.S)
    assert "Record medication-overuse management" in html


def test_a_clinician_records_managed_and_the_nice_line_shows_it(
    as_grey: Client, migraine_patient: Patient, dr_grey: User
) -> None:
    on = TODAY - timedelta(days=2)
    response = post(as_grey, migraine_patient, managed="yes", recorded_on=on, note="reviewed")
    assert response.status_code == 302  # type: ignore[attr-defined]
    stored = OveruseManagement.objects.get()
    assert (stored.managed, stored.recorded_on, stored.recorded_by) == (True, on, dr_grey)
    html = as_grey.get(response["Location"]).content.decode()  # type: ignore[index]
    assert f"Medication overuse recorded as managed on {on.isoformat()}." in html
    assert f"confirmed managed on {on.isoformat()}" in html
    assert re.search(r'<tr class="row-current"><td>[^<]+</td><td>yes</td><td>dr_grey</td>', html)


def test_a_nurse_sees_the_statement_but_may_not_make_it(
    as_noor: Client, migraine_patient: Patient
) -> None:
    html = page(as_noor, migraine_patient)
    assert "Record medication-overuse management" not in html
    before = AuditEvent.objects.exclude(action__in=["patient.read", "diary.summary"]).count()
    response = post(as_noor, migraine_patient, managed="yes", recorded_on=TODAY)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert post(as_noor, migraine_patient).status_code == 403  # type: ignore[attr-defined]
    assert OveruseManagement.objects.count() == 0
    assert AuditEvent.objects.exclude(action__in=["patient.read", "diary.summary"]).count() == (
        before
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"recorded_on": TODAY}, "managed"),
        ({"managed": "maybe", "recorded_on": TODAY}, "managed"),
        ({"managed": "yes", "recorded_on": TODAY + timedelta(days=1)}, "recorded_on"),
        ({"managed": "no", "recorded_on": TODAY, "note": "x" * 501}, "note"),
    ],
)
def test_a_bad_form_shows_its_field_error_and_writes_nothing(
    as_grey: Client, migraine_patient: Patient, data: dict[str, object], field: str
) -> None:
    response = post(as_grey, migraine_patient, **data)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert f'id="id_{field}-error"' in response.content.decode()  # type: ignore[attr-defined]
    assert OveruseManagement.objects.count() == 0
