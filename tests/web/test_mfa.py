"""Staff MFA at sign-in: clinicians and managers enrol before any clinical page, then give a code
at every sign-in; a wrong code is refused and counted by the throttle; recovery codes work once;
demo accounts are exempt only in demo mode."""

from __future__ import annotations

import io
import re
import time

import pyotp
import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from bonta.accounts import mfa
from bonta.accounts.models import Role, TotpDevice, User
from bonta.audit.models import AuditEvent
from bonta.records.models import Patient
from records.clinic import make_patient

PASSWORD = "a-long-test-password"
LIMIT = 5

pytestmark = pytest.mark.usefixtures("mfa_required")


@pytest.fixture(autouse=True)
def _fast_hashes(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def grey(db: None) -> User:
    return User.objects.create_user("dr_grey", password=PASSWORD, role=Role.CLINICIAN)


@pytest.fixture
def patient(grey: User) -> Patient:
    return make_patient(grey)


def password_step(client: Client, username: str = "dr_grey", next_url: str = ""):  # type: ignore[no-untyped-def]
    data = {"username": username, "password": PASSWORD}
    url = f"/login/?next={next_url}" if next_url else "/login/"
    return client.post(url, data)


def totp(user: User, ahead: int = 0) -> str:
    device = TotpDevice.objects.get(user=user)
    return pyotp.TOTP(mfa.secret_of(device)).at(time.time() + ahead)


def wrong(code: str) -> str:
    return str((int(code) + 500_000) % 1_000_000).zfill(6)


def enrolled(client: Client, user: User) -> list[str]:
    """Password, enrolment page, first code: returns the recovery codes the page showed."""
    assert password_step(client, user.username)["Location"] == "/login/mfa/enrol/"
    assert client.get("/login/mfa/enrol/").status_code == 200
    page = client.post("/login/mfa/enrol/", {"code": totp(user)})
    assert page.status_code == 200
    return re.findall(r"<code>([a-z0-9-]{14})</code>", page.content.decode())


def signed_in(client: Client) -> bool:
    return client.get("/patients/").status_code == 200


def test_a_clinician_without_mfa_is_not_signed_in_by_the_password_alone(
    grey: User, patient: Patient
) -> None:
    client = Client()
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == "/login/mfa/enrol/"
    assert "_auth_user_id" not in client.session
    assert client.get("/patients/")["Location"].startswith("/login/")
    assert client.get(f"/patients/{patient.pk}/")["Location"].startswith("/login/")


def test_the_enrolment_page_shows_a_qr_code_and_the_key(grey: User) -> None:
    client = Client()
    password_step(client)
    page = client.get("/login/mfa/enrol/")
    body = page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert "<svg" in body
    assert "<script" not in body.split("<svg", 1)[1].split("</svg>")[0]
    secret = mfa.secret_of(TotpDevice.objects.get(user=grey))
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in body
    assert client.get("/login/mfa/enrol/").content.decode().count(secret[:4]) >= 1  # same key


def test_enrolling_signs_in_and_shows_ten_recovery_codes_once(grey: User) -> None:
    client = Client()
    codes = enrolled(client, grey)
    assert len(codes) == 10
    assert signed_in(client)
    assert AuditEvent.objects.filter(action="auth.mfa_enrolled", object_id=str(grey.pk)).exists()
    assert not any(c in str(list(AuditEvent.objects.values("detail"))) for c in codes)
    page = client.get("/login/mfa/enrol/").content.decode()
    assert "already set up" in page
    assert not re.findall(r"<code>[a-z0-9]{4}-", page)


def test_an_enrolled_clinician_gives_a_code_at_every_sign_in(grey: User) -> None:
    enrolled(Client(), grey)
    client = Client()
    response = password_step(client, next_url="/vials/")
    assert response["Location"] == "/login/mfa/"
    assert not signed_in(client)
    response = client.post("/login/mfa/", {"code": totp(grey, ahead=30)})
    assert response.status_code == 302
    assert response["Location"] == "/vials/"
    assert signed_in(client)


def test_a_wrong_code_is_refused_and_counted_by_the_throttle(grey: User) -> None:
    enrolled(Client(), grey)
    client = Client()
    password_step(client)
    response = client.post("/login/mfa/", {"code": wrong(totp(grey, ahead=30))})
    assert response.status_code == 422
    assert "That code is not right" in response.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="dr_grey").failures_since_start == 1
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.object_id == str(grey.pk)
    assert failed.detail == {"kind": "mfa", "status": "counted", "count": 1}


def test_wrong_codes_lock_the_sign_in_out_like_wrong_passwords(grey: User) -> None:
    enrolled(Client(), grey)
    client = Client()
    password_step(client)
    bad = wrong(totp(grey, ahead=30))
    for _ in range(LIMIT - 1):
        assert client.post("/login/mfa/", {"code": bad}).status_code == 422
    assert client.post("/login/mfa/", {"code": bad}).status_code == 429
    # the lockout also ends the half-signed-in session, and the password is refused now
    assert client.post("/login/mfa/", {"code": totp(grey, ahead=30)}).status_code == 302
    assert not signed_in(client)
    assert password_step(client).status_code == 429
    assert AuditEvent.objects.filter(action="auth.locked_out", object_id=str(grey.pk)).exists()


def test_a_wrong_first_code_at_enrolment_is_counted_too(grey: User) -> None:
    client = Client()
    password_step(client)
    client.get("/login/mfa/enrol/")
    assert client.post("/login/mfa/enrol/", {"code": wrong(totp(grey))}).status_code == 422
    assert not mfa.is_enrolled(grey)
    assert AccessAttempt.objects.get(username="dr_grey").failures_since_start == 1


def test_a_recovery_code_signs_in_once(grey: User) -> None:
    codes = enrolled(Client(), grey)
    client = Client()
    password_step(client)
    assert client.post("/login/mfa/", {"code": codes[3]}).status_code == 302
    assert signed_in(client)
    again = Client()
    password_step(again)
    assert again.post("/login/mfa/", {"code": codes[3]}).status_code == 422
    assert AuditEvent.objects.get(action="auth.mfa_recovery_code_used").detail == {"count": 9}


def test_the_code_must_follow_the_password_within_five_minutes(grey: User) -> None:
    enrolled(Client(), grey)
    client = Client()
    password_step(client)
    session = client.session
    session[mfa.PENDING_SESSION_KEY]["since"] -= mfa.PENDING_SECONDS + 1
    session.save()
    response = client.post("/login/mfa/", {"code": totp(grey, ahead=30)})
    assert response["Location"] == "/login/?mfa=expired"
    assert not signed_in(client)


def test_a_session_made_without_mfa_reaches_no_clinical_page(grey: User, patient: Patient) -> None:
    client = Client()
    client.force_login(grey)  # e.g. signed in before the role needed MFA
    response = client.get(f"/patients/{patient.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/mfa/enrol/?next=")
    assert client.get("/vials/")["Location"].startswith("/login/mfa/enrol/")
    assert client.get("/healthz").status_code == 200
    client.get("/login/mfa/enrol/")
    client.post("/login/mfa/enrol/", {"code": totp(grey)})
    assert client.get(f"/patients/{patient.pk}/").status_code == 200


def test_roles_that_need_no_mfa_sign_in_with_the_password(db: None) -> None:
    User.objects.create_user("noor", password=PASSWORD, role=Role.NURSE)
    client = Client()
    assert password_step(client, "noor")["Location"] == "/patients/"
    assert signed_in(client)


def test_a_nurse_may_enrol_by_choice_and_is_then_asked_for_codes(db: None) -> None:
    noor = User.objects.create_user("noor", password=PASSWORD, role=Role.NURSE)
    client = Client()
    password_step(client, "noor")
    assert client.get("/login/mfa/enrol/").status_code == 200
    client.post("/login/mfa/enrol/", {"code": totp(noor)})
    assert mfa.is_enrolled(noor)
    assert password_step(Client(), "noor")["Location"] == "/login/mfa/"


def test_demo_accounts_skip_mfa_only_in_demo_mode(db: None, settings) -> None:  # type: ignore[no-untyped-def]
    User.objects.create_user("clinician", password=PASSWORD, role=Role.CLINICIAN, demo_account=True)
    assert password_step(Client(), "clinician")["Location"] == "/login/mfa/enrol/"
    settings.BONTA_DEMO = True
    client = Client()
    assert password_step(client, "clinician")["Location"] == "/patients/"
    assert signed_in(client)


def test_bonta_user_says_mfa_is_set_up_at_first_sign_in(db: None, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def create(username: str, role: str) -> str:
        out = io.StringIO()
        monkeypatch.setattr("sys.stdin", io.StringIO("correct-horse-9\n"))
        call_command("bonta_user", username, role=role, password_stdin=True, stdout=out)
        return out.getvalue()

    assert "must use MFA" in create("drjones", "clinician")
    assert "authenticator app at their first sign-in" in create("boss", "manager")
    assert "MFA" not in create("desk", "reception")


def test_bonta_mfa_reset_makes_a_user_enrol_again(grey: User) -> None:
    enrolled(Client(), grey)
    out = io.StringIO()
    call_command("bonta_mfa_reset", "dr_grey", stdout=out)
    assert "authenticator removed" in out.getvalue()
    assert password_step(Client())["Location"] == "/login/mfa/enrol/"
    assert AuditEvent.objects.filter(action="auth.mfa_reset", object_id=str(grey.pk)).exists()
