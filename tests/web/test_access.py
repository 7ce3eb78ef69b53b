"""Sign-in, idle log-off, login on every page, and what each role may open."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver

from bonta.accounts.models import Role, User
from web.conftest import client_for

pytestmark = pytest.mark.django_db

# The MFA steps belong to sign-in: without a password step they send back to it (test_mfa.py).
PUBLIC = {"web:login", "web:logout", "web:healthz", "web:mfa_verify", "web:mfa_enrol"}


def web_urls() -> list[str]:
    patterns = get_resolver().url_patterns
    web = next(p for p in patterns if getattr(p, "namespace", None) == "web")
    return [
        "/" + re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", str(p.pattern))
        for p in web.url_patterns
        if isinstance(p, URLPattern) and f"web:{p.name}" not in PUBLIC
    ]


@pytest.mark.parametrize("url", web_urls())
def test_every_page_needs_a_signed_in_user(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_clinician_signs_in_with_a_password_and_out_again(client: Client) -> None:
    User.objects.create_user("grey", password="a-long-password", role=Role.CLINICIAN)
    response = client.post("/login/", {"username": "grey", "password": "a-long-password"})
    assert response.status_code == 302
    assert response["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/patients/").status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client: Client) -> None:
    User.objects.create_user("grey", password="a-long-password", role=Role.CLINICIAN)
    response = client.post("/login/", {"username": "grey", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_pages_carry_the_idle_time_for_the_log_off_script(as_grey: Client, settings) -> None:
    html = as_grey.get("/patients/").content.decode()
    assert f'name="bonta-idle-seconds" content="{settings.SESSION_COOKIE_AGE}"' in html
    assert 'src="/static/bonta/bonta.js"' in html


def test_the_idle_sign_in_page_says_why(client: Client) -> None:
    assert b"without activity" in client.get("/login/?idle=1").content


def test_pages_have_no_inline_script_or_style_so_the_csp_holds(as_grey: Client, draft) -> None:
    for url in ("/patients/", f"/patients/{draft.patient_id}/", f"/encounters/{draft.pk}/"):
        response = as_grey.get(url)
        html = response.content.decode()
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert " style=" not in html
        assert "<style" not in html
        assert "https://" not in html  # no CDN


def test_reception_sees_demographics_but_no_clinical_record(as_rita: Client, draft) -> None:
    response = as_rita.get(f"/patients/{draft.patient_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Archer, Alice" in html
    # The consent panel (reception witnesses consents) names the product each consent text is
    # worded for; nothing else on the page may name a product.
    start = html.index('class="card consent-panel"')
    outside_consent = html[:start] + html[html.index("</section>", start) :]
    for clinical in ("Dose ledger", "Encounters", "BOTOX", "Safety flags"):
        assert clinical not in outside_consent


@pytest.mark.parametrize(
    "url",
    [
        "/encounters/{encounter}/",
        "/encounters/{encounter}/print/",
        "/patients/{patient}/encounters/new/",
        "/patients/{patient}/adverse-events/new/",
        "/vials/",
    ],
)
def test_reception_gets_a_clear_403_on_clinical_pages(as_rita: Client, draft, url: str) -> None:
    response = as_rita.get(url.format(encounter=draft.pk, patient=draft.patient_id))
    assert response.status_code == 403
    assert b"Your role (Reception) may not" in response.content


def test_reception_cannot_change_a_plan_and_nothing_changes(as_rita: Client, draft, unchanged):
    response = as_rita.post(f"/encounters/{draft.pk}/plan/", {"action": "update"})
    assert response.status_code == 403
    unchanged()


def test_a_manager_reads_the_chart_but_may_not_open_an_encounter(as_max: Client, draft, unchanged):
    assert as_max.get(f"/patients/{draft.patient_id}/").status_code == 200
    assert as_max.get(f"/encounters/{draft.pk}/").status_code == 200
    url = f"/patients/{draft.patient_id}/encounters/new/?pathway=cosmetic"
    response = as_max.post(url, {"product": "botox_cosmetic", "at": "2025-03-03T10:00"})
    assert response.status_code == 403
    unchanged()


def test_a_nurse_plans_but_cannot_sign(as_noor: Client, draft, unchanged) -> None:
    html = as_noor.get(f"/encounters/{draft.pk}/").content.decode()
    assert "Only a clinician can sign off" in html
    assert 'id="sign-button"' not in html
    response = as_noor.post(f"/encounters/{draft.pk}/sign/", {"fingerprint": "x"})
    assert response.status_code == 403
    unchanged()


def test_an_unknown_encounter_is_a_404_page(as_grey: Client) -> None:
    response = as_grey.get("/encounters/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert b"No such encounter" in response.content


@pytest.fixture
def as_portal_patient(alice) -> Client:
    from bonta.portal.models import PortalAccount

    user = User.objects.create_user("alice", password="a-long-password", role=Role.PATIENT)
    PortalAccount.objects.create(user=user, patient=alice)
    return client_for(user)


@pytest.mark.parametrize("url", ["/patients/", "/vials/", "/patients/new/"])
def test_a_portal_patient_gets_a_patients_403_without_staff_navigation(
    as_portal_patient: Client, url: str
) -> None:
    response = as_portal_patient.get(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "This page is for clinic staff" in html
    assert 'href="/portal/"' in html
    assert 'action="/portal/logout/"' in html
    for staff_only in ("Vial stock", "Appointments", "Back to patients", "Your role", "manager"):
        assert staff_only not in html


def test_staff_still_get_the_staff_403(as_rita: Client) -> None:
    html = as_rita.get("/vials/").content.decode()
    assert "Your role (Reception) may not" in html
    assert "Back to patients" in html
    assert "patient portal" not in html
