"""The home page's to-do items other apps own: consents to sign in the portal (bonta.consent)
and one-tap wear-off check-ins (bonta.cosmetic), both written as the patient's portal user."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.consent import services as consent
from bonta.consent.models import Consent
from bonta.cosmetic.models import WearOffReport
from bonta.records.models import Course, Patient
from cosmetic.conftest import signed_glabellar
from portal.conftest import client_for, portal_user
from records.clinic import make_patient, signature_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(dr_grey: User) -> Patient:
    """A cosmetic patient who has signed no consent yet."""
    patient = make_patient(dr_grey, "C-003", consents=(), given_name="Carol")
    Course.objects.create(patient=patient, pathway="cosmetic", started_on="2025-01-06")
    consent.install_shipped_documents()
    return patient


@pytest.fixture
def as_carol(carol: Patient) -> Client:
    return client_for(portal_user(carol, "carol"))


def test_home_lists_the_consent_of_the_pathway_being_treated(as_carol: Client) -> None:
    page = as_carol.get("/portal/").content.decode()
    assert 'href="/portal/consent/cosmetic/?product=botox_cosmetic"' in page
    assert "/portal/consent/chronic_migraine/" not in page
    assert "/portal/consent/photography/" not in page


def test_the_patient_signs_in_the_portal_with_typed_name_and_drawn_signature(
    as_carol: Client, carol: Patient
) -> None:
    page = as_carol.get("/portal/consent/cosmetic/")
    assert page.status_code == 200
    assert 'src="/static/bonta/signature.js"' in page.content.decode()
    version = consent.current_document("cosmetic").version
    data_url = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    response = as_carol.post(
        "/portal/consent/cosmetic/",
        {"typed_name": "Carol Archer", "signature": data_url, "version": version},
    )
    assert response.status_code == 302
    signed = Consent.objects.get(patient=carol)
    assert (signed.channel, signed.witnessed_by) == ("portal", None)
    event = AuditEvent.objects.get(action="consent.sign")
    assert (event.actor_role, event.patient_id) == ("patient", carol.pk)
    assert "/portal/consent/cosmetic/" not in as_carol.get("/portal/").content.decode()


def test_a_consent_without_a_signature_is_refused_and_nothing_is_written(
    as_carol: Client, carol: Patient
) -> None:
    response = as_carol.post(
        "/portal/consent/cosmetic/", {"typed_name": "Carol Archer", "signature": ""}
    )
    assert response.status_code == 422
    assert not Consent.objects.filter(patient=carol).exists()


def test_an_unknown_consent_kind_is_a_404(as_carol: Client) -> None:
    assert as_carol.get("/portal/consent/tattoo/").status_code == 404


@pytest.fixture
def treated_8_weeks_ago(alice: Patient, dr_grey: User):
    at = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(weeks=8)
    return signed_glabellar(alice, dr_grey, at=at)


def test_a_due_check_in_is_one_tap_from_home(
    as_alice: Client, alice: Patient, alice_user: User, treated_8_weeks_ago
) -> None:
    page = as_alice.get("/portal/").content.decode()
    assert "Has movement returned? Glabellar lines" in page
    assert "week 8 check-in" in page
    response = as_alice.post(
        "/portal/checkins/",
        {"encounter": str(treated_8_weeks_ago.pk), "area": "glabellar_lines", "returned": "no"},
    )
    assert response.status_code == 302
    report = WearOffReport.objects.get()
    assert (report.returned, report.source, report.recorded_by) == (
        False,
        "portal_checkin",
        alice_user,
    )
    assert "Has movement returned?" not in as_alice.get("/portal/").content.decode()


def test_a_check_in_that_is_not_due_writes_nothing(
    as_alice: Client, bob: Patient, dr_grey: User, treated_8_weeks_ago
) -> None:
    response = as_alice.post(
        "/portal/checkins/",
        {"encounter": str(treated_8_weeks_ago.pk), "area": "forehead_lines", "returned": "yes"},
        follow=True,
    )
    assert "not due today; nothing was recorded" in response.content.decode()
    assert not WearOffReport.objects.exists()


def test_another_patients_session_cannot_be_checked_in(
    bob: Patient, bob_user: User, treated_8_weeks_ago
) -> None:
    response = client_for(bob_user).post(
        "/portal/checkins/",
        {"encounter": str(treated_8_weeks_ago.pk), "area": "glabellar_lines", "returned": "yes"},
    )
    assert response.status_code == 302
    assert not WearOffReport.objects.exists()
