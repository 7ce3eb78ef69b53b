"""Sign-in throttling (django-axes) for staff and portal: lockout per username + address,
a clear page, audited failures without passwords or unknown usernames, a manager unlocks."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from bonta.accounts.models import Role, User
from bonta.audit.models import AuditEvent

PASSWORD = "a-long-test-password"
WRONG = "not-the-password-99"
LIMIT = 5  # settings default BONTA_LOGIN_MAX_FAILURES


@pytest.fixture(autouse=True)
def _fast_hashes(settings) -> None:  # type: ignore[no-untyped-def]
    """Many wrong passwords: a fast hasher keeps the file quick (argon2 is tested elsewhere)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db: None) -> User:
    return User.objects.create_user("rita_r", password=PASSWORD, role=Role.RECEPTION)


@pytest.fixture
def manager(db: None) -> User:
    return User.objects.create_user("max_m", password=PASSWORD, role=Role.MANAGER)


def sign_in(client: Client, username: str, password: str, url: str = "/login/"):  # type: ignore[no-untyped-def]
    return client.post(url, {"username": username, "password": password})


def fail(client: Client, username: str, times: int, url: str = "/login/") -> None:
    for _ in range(times):
        response = sign_in(client, username, WRONG, url)
        assert response.status_code in {200, 429}


def without_csrf(page: str) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("action", "object_id", "detail")))


def test_the_right_password_after_too_many_wrong_ones_is_refused(staff: User) -> None:
    client = Client()
    fail(client, "rita_r", LIMIT - 1)
    assert AccessAttempt.objects.get().failures_since_start == LIMIT - 1
    fail(client, "rita_r", 1)
    response = sign_in(client, "rita_r", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Sign-in paused" in body
    assert "Try again in 15 minutes" in body
    assert "Traceback" not in body
    assert "_auth_user_id" not in client.session
    assert client.get("/patients/").status_code == 302  # not signed in


def test_the_lockout_page_is_the_same_for_a_username_that_names_no_account(staff: User) -> None:
    known, unknown = Client(), Client()
    fail(known, "rita_r", LIMIT)
    fail(unknown, "nobody_here", LIMIT)
    a, b = sign_in(known, "rita_r", WRONG), sign_in(unknown, "nobody_here", WRONG)
    assert a.status_code == b.status_code == 429
    assert without_csrf(a.content.decode()) == without_csrf(b.content.decode())


def test_a_lockout_holds_one_username_on_one_address_only(staff: User) -> None:
    fail(Client(REMOTE_ADDR="127.0.0.9"), "rita_r", LIMIT)
    assert sign_in(Client(REMOTE_ADDR="127.0.0.9"), "rita_r", PASSWORD).status_code == 429
    elsewhere = Client(REMOTE_ADDR="127.0.0.10")
    assert sign_in(elsewhere, "rita_r", PASSWORD).status_code == 302  # another address
    User.objects.create_user("noor_n", password=PASSWORD, role=Role.NURSE)
    same_address = Client(REMOTE_ADDR="127.0.0.9")
    assert sign_in(same_address, "noor_n", PASSWORD).status_code == 302  # another username


def test_the_lockout_ends_after_the_lockout_minutes(staff: User) -> None:
    client = Client()
    fail(client, "rita_r", LIMIT)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    assert sign_in(client, "rita_r", PASSWORD).status_code == 302


def test_the_limits_come_from_settings(staff: User, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    fail(client, "rita_r", 2)
    assert sign_in(client, "rita_r", PASSWORD).status_code == 429


def test_failures_and_the_lockout_are_audited_without_password_or_unknown_username(
    staff: User,
) -> None:
    fail(Client(), "rita_r", LIMIT)
    fail(Client(), "Secret-Typed-As-Name", 1)
    failed = list(AuditEvent.objects.filter(action="auth.login_failed").order_by("id"))
    assert len(failed) == LIMIT + 1
    assert [e.object_id for e in failed[:LIMIT]] == [str(staff.pk)] * LIMIT
    assert [e.detail["count"] for e in failed[:LIMIT]] == [1, 2, 3, 4, 5]
    assert failed[0].detail == {"kind": "staff", "status": "counted", "count": 1}
    assert failed[LIMIT - 1].detail["status"] == "locked"
    assert failed[LIMIT].object_id == ""  # names no account: not identified at all
    locked = AuditEvent.objects.get(action="auth.locked_out")
    assert locked.object_id == str(staff.pk)
    assert locked.detail == {"kind": "staff", "count": LIMIT}
    text = audit_text()
    assert WRONG not in text
    assert PASSWORD not in text
    assert "Secret-Typed-As-Name" not in text
    assert "rita_r" not in text


def test_an_attempt_during_a_lockout_is_audited_as_refused_and_does_not_relock(
    staff: User,
) -> None:
    client = Client()
    fail(client, "rita_r", LIMIT)
    sign_in(client, "rita_r", PASSWORD)
    last = AuditEvent.objects.filter(action="auth.login_failed").last()
    assert last is not None
    assert last.detail["status"] == "locked"
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 1


def test_axes_keeps_no_password_in_its_table(staff: User) -> None:
    fail(Client(), "rita_r", 2)
    attempt = AccessAttempt.objects.get()
    assert WRONG not in attempt.post_data
    assert "rita_r" not in attempt.post_data  # masked there too; the username column keys it


def test_the_portal_sign_in_is_throttled_too_with_its_own_page(db: None) -> None:
    User.objects.create_user("alice_p", password=PASSWORD, role=Role.PATIENT)
    client = Client()
    fail(client, "alice_p", LIMIT, url="/portal/login/")
    response = sign_in(client, "alice_p", PASSWORD, url="/portal/login/")
    assert response.status_code == 429
    assert "call your clinic" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed").first().detail["kind"] == "portal"  # type: ignore[union-attr]


def test_a_manager_sees_current_lockouts_and_unlocks_one(staff: User, manager: User) -> None:
    client = Client(REMOTE_ADDR="127.0.0.7")
    fail(client, "rita_r", LIMIT)
    fail(Client(), "ghost_name", LIMIT)
    as_manager = Client()
    as_manager.force_login(manager)
    page = as_manager.get("/security/lockouts/").content.decode()
    assert "rita_r" in page
    assert "127.0.0.7" in page
    assert "ghost_name" not in page
    assert "1 more for usernames that are no account" in page
    response = as_manager.post(
        "/security/lockouts/", {"username": "rita_r", "address": "127.0.0.7"}, follow=True
    )
    assert "rita_r can sign in again" in response.content.decode()
    assert sign_in(client, "rita_r", PASSWORD).status_code == 302
    unlocked = AuditEvent.objects.get(action="auth.unlocked")
    assert unlocked.actor_id == manager.pk
    assert unlocked.object_id == str(staff.pk)
    assert unlocked.detail == {"kind": "page", "count": 1}


def test_only_a_manager_may_open_or_use_the_lockout_page(staff: User) -> None:
    fail(Client(), "rita_r", LIMIT)
    nurse = User.objects.create_user("noor_n", password=PASSWORD, role=Role.NURSE)
    client = Client()
    client.force_login(nurse)
    assert client.get("/security/lockouts/").status_code == 403
    assert client.post("/security/lockouts/", {"username": "rita_r"}).status_code == 403
    assert AccessAttempt.objects.exists()
    assert Client().get("/security/lockouts/").status_code == 302  # to sign-in


def test_bonta_unlock_ends_a_lockout_from_every_address(staff: User) -> None:
    fail(Client(REMOTE_ADDR="127.0.0.7"), "rita_r", LIMIT)
    fail(Client(REMOTE_ADDR="127.0.0.8"), "rita_r", LIMIT)
    out = io.StringIO()
    call_command("bonta_unlock", "rita_r", stdout=out)
    assert "rita_r: unlocked" in out.getvalue()
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.get(action="auth.unlocked").detail == {"kind": "cli", "count": 2}


def test_bonta_unlock_names_an_unknown_user_and_writes_nothing(db: None) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="username: no account 'nobody'"):
        call_command("bonta_unlock", "nobody")
    assert not AuditEvent.objects.exists()


def test_a_successful_sign_in_clears_the_earlier_failures(staff: User) -> None:
    client = Client()
    fail(client, "rita_r", LIMIT - 1)
    assert sign_in(client, "rita_r", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()
