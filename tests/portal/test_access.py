"""A patient sees only their own data; staff pages, the API and tokens refuse patient users;
each login refuses the other kind of account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, get_resolver
from django.utils import timezone

from bonta.accounts.models import ApiToken, Role, User
from bonta.accounts.tokens import TokenRefused, hash_key, issue_token, user_for_key
from bonta.migraine.models import DiaryEntry
from bonta.records.models import Patient
from bonta.records.services._common import ANY_STAFF, CLINICAL_READ, CLINICAL_WRITE, SIGN
from portal.conftest import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
PUBLIC = {"portal:login", "portal:logout", "portal:accept"}
STAFF_ONLY = {"portal:invite", "portal:revoke"}


def portal_urls(names: set[str] | None = None, skip: set[str] = PUBLIC | STAFF_ONLY) -> list[str]:
    patterns = get_resolver().url_patterns
    portal = next(p for p in patterns if getattr(p, "namespace", None) == "portal")
    urls = []
    for p in portal.url_patterns:
        name = f"portal:{p.name}"
        if isinstance(p, URLPattern) and (name in names if names else name not in skip):
            path = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", str(p.pattern))
            urls.append("/portal/" + re.sub(r"<str:\w+>", "hit6", path))
    return urls


def test_no_staff_role_set_includes_patients() -> None:
    for roles in (ANY_STAFF, CLINICAL_READ, CLINICAL_WRITE, SIGN):
        assert Role.PATIENT not in roles


@pytest.mark.parametrize("url", portal_urls())
def test_every_portal_page_needs_a_signed_in_patient(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/?next=")


@pytest.mark.parametrize("url", portal_urls())
def test_staff_are_refused_by_portal_pages(dr_grey: User, url: str) -> None:
    response = client_for(dr_grey).get(url)
    assert response.status_code == 403
    assert b"Staff sign in at /login/" in response.content


def test_patient_a_cannot_open_the_staff_chart_of_b(
    as_alice: Client, bob: Patient, bob_user: User
) -> None:
    for url in (f"/patients/{bob.pk}/", f"/patients/{bob.pk}/diary/", "/patients/", "/vials/"):
        response = as_alice.get(url)
        assert response.status_code == 403, url
        assert b"This page is for clinic staff" in response.content


def test_staff_invitation_pages_refuse_a_patient(as_alice: Client, bob: Patient) -> None:
    for url in portal_urls(STAFF_ONLY):
        assert (
            as_alice.post(
                url.replace("00000000-0000-0000-0000-000000000000", str(bob.pk))
            ).status_code
            == 403
        )


def test_the_api_refuses_a_patient_session_and_a_patient_token(
    as_alice: Client, alice_user: User, bob: Patient
) -> None:
    assert as_alice.get(f"/api/patients/{bob.pk}").status_code == 401
    key = "bonta_patient-held-key"
    live = timezone.now() + timedelta(days=30)  # unexpired: refused for being a patient's
    ApiToken.objects.create(
        user=alice_user, name="smuggled", key_hash=hash_key(key), expires_at=live
    )
    assert user_for_key(key) is None
    response = Client().get(f"/api/patients/{bob.pk}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


def test_no_api_token_is_issued_to_a_patient(alice_user: User) -> None:
    with pytest.raises(TokenRefused):
        issue_token(alice_user, "phone")
    with pytest.raises(CommandError, match="patient"):
        call_command("bonta_issue_token", "alice")
    assert not ApiToken.objects.exists()


def test_bonta_user_neither_creates_patients_nor_promotes_them(alice_user: User) -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("bonta_user", "pat", role="patient", password_stdin=True)
    with pytest.raises(CommandError, match="patient \\(portal\\) account"):
        call_command("bonta_user", "alice", role="clinician")
    alice_user.refresh_from_db()
    assert alice_user.role == Role.PATIENT


def test_posting_another_patients_id_still_writes_only_to_the_own_diary(
    as_alice: Client, alice: Patient, bob: Patient, bob_user: User
) -> None:
    response = as_alice.post(
        "/portal/diary/", {"headache": "no", "patient": bob.pk, "patient_id": bob.pk}
    )
    assert response.status_code == 302
    assert DiaryEntry.objects.get().patient == alice
    assert not DiaryEntry.objects.filter(patient=bob).exists()


def test_a_patient_is_refused_at_the_staff_login_and_pointed_to_the_portal(
    client: Client, alice: Patient
) -> None:
    user = User.objects.create_user("alice", password=PASSWORD, role=Role.PATIENT)
    from bonta.portal.models import PortalAccount

    PortalAccount.objects.create(user=user, patient=alice)
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert b"Patients sign in to the portal at /portal/login/" in response.content
    assert "_auth_user_id" not in client.session
    response = client.post("/portal/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_staff_are_refused_at_the_portal_login(client: Client) -> None:
    User.objects.create_user("grey", password=PASSWORD, role=Role.CLINICIAN)
    response = client.post("/portal/login/", {"username": "grey", "password": PASSWORD})
    assert response.status_code == 200
    assert b"This is a staff account. Staff sign in at /login/" in response.content
    assert "_auth_user_id" not in client.session


def test_a_signed_in_patient_opening_the_staff_login_goes_to_the_portal(
    as_alice: Client,
) -> None:
    response = as_alice.get("/login/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
