"""Successful sign-ins and sign-outs are audited (who, which sign-in), never with a password or
a code; with MFA the session opens — and is audited — only when the code is right."""

from __future__ import annotations

import json
import time

import pyotp
import pytest
from django.test import Client

from bonta.accounts import mfa
from bonta.accounts.models import Role, TotpDevice, User
from bonta.audit.models import AuditEvent

PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def _fast_hashes(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_staff_sign_in_and_sign_out_are_audited_without_the_password(db: None) -> None:
    nurse = User.objects.create_user("nina_n", password=PASSWORD, role=Role.NURSE)
    client = Client()
    assert client.post("/login/", {"username": "nina_n", "password": PASSWORD}).status_code == 302
    [login] = events("auth.login")
    assert login.actor_id == nurse.pk
    assert login.object_id == str(nurse.pk)
    assert login.detail == {"kind": "staff"}
    client.post("/logout/")
    [logout] = events("auth.logout")
    assert logout.actor_id == nurse.pk
    assert PASSWORD not in json.dumps(list(AuditEvent.objects.values("detail")))


def test_a_wrong_password_opens_no_session_and_is_no_login_event(db: None) -> None:
    User.objects.create_user("nina_n", password=PASSWORD, role=Role.NURSE)
    Client().post("/login/", {"username": "nina_n", "password": "wrong-password-1"})
    assert events("auth.login") == []
    assert len(events("auth.login_failed")) == 1


@pytest.mark.usefixtures("mfa_required")
def test_with_mfa_the_login_event_comes_with_the_right_code(db: None) -> None:
    grey = User.objects.create_user("dr_grey", password=PASSWORD, role=Role.CLINICIAN)
    client = Client()
    client.post("/login/", {"username": "dr_grey", "password": PASSWORD})
    client.get("/login/mfa/enrol/")
    assert events("auth.login") == []  # the password alone opens no session
    device = TotpDevice.objects.get(user=grey)
    code = pyotp.TOTP(mfa.secret_of(device)).at(time.time())
    assert client.post("/login/mfa/enrol/", {"code": code}).status_code == 200
    [login] = events("auth.login")
    assert login.actor_id == grey.pk
    assert login.detail == {"kind": "mfa"}
    assert code not in json.dumps(list(AuditEvent.objects.values("detail")))


def test_a_portal_sign_in_is_audited_as_one(db: None) -> None:
    alice = User.objects.create_user("alice_p", password=PASSWORD, role=Role.PATIENT)
    Client().post("/portal/login/", {"username": "alice_p", "password": PASSWORD})
    [login] = events("auth.login")
    assert login.actor_id == alice.pk
    assert login.detail == {"kind": "portal"}
