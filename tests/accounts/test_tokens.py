"""API tokens expire, can be listed and revoked (command line and the manager's page), record
their last use at most once a minute, and are stored only as a hash."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from bonta.accounts.models import ApiToken
from bonta.accounts.tokens import TokenRefused, issue_token, revoke_token, user_for_key
from bonta.audit.models import AuditEvent
from bonta.cli import main

pytestmark = pytest.mark.django_db


def api(key: str) -> int:
    return Client(headers={"Authorization": f"Bearer {key}"}).get("/api/patients").status_code


def command(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("bonta_issue_token", *args, stdout=out, **options)
    return out.getvalue()


def test_a_token_expires_after_the_configured_days(dr_grey, settings):
    settings.BONTA_API_TOKEN_DAYS = 30
    token, key = issue_token(dr_grey, "script")
    assert abs(token.expires_at - token.created_at - timedelta(days=30)) < timedelta(seconds=5)
    assert api(key) == 200
    later = token.expires_at + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/patients")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "A valid bearer token is required.", "errors": [], "findings": []
    }  # fmt: skip


def test_the_days_can_be_chosen_within_bounds(dr_grey):
    token, _ = issue_token(dr_grey, "short", days=1)
    assert token.expires_at - token.created_at < timedelta(days=1, seconds=5)
    for days in (0, -1, 3651, True):
        with pytest.raises(TokenRefused):
            issue_token(dr_grey, "bad", days=days)  # type: ignore[arg-type]
    assert ApiToken.objects.count() == 1


def test_a_revoked_token_is_refused_with_the_json_error(dr_grey):
    token, key = issue_token(dr_grey, "laptop")
    assert revoke_token(token, by=dr_grey) is True
    assert revoke_token(token, by=dr_grey) is False  # once
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/patients")
    assert response.status_code == 401
    assert response.json()["detail"] == "A valid bearer token is required."
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1


def test_last_use_is_written_at_most_once_a_minute(dr_grey, django_assert_num_queries):
    token, key = issue_token(dr_grey, "script")
    assert token.last_used_at is None
    assert user_for_key(key) == dr_grey
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the lookup only: no write within the minute
        assert user_for_key(key) == dr_grey
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    with mock.patch("django.utils.timezone.now", return_value=first + timedelta(seconds=61)):
        assert user_for_key(key) == dr_grey
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first + timedelta(seconds=61)


def test_only_a_hash_is_stored(dr_grey):
    token, key = issue_token(dr_grey, "laptop")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(row)


# ---- the command line ----------------------------------------------------------------------


def test_the_command_issues_for_n_days_lists_and_revokes(dr_grey, nurse_noor):
    key = command("dr_grey", name="nightly", days=7).strip()
    token = ApiToken.objects.get(name="nightly")
    assert token.expires_at - token.created_at < timedelta(days=7, seconds=5)
    assert api(key) == 200
    issue_token(nurse_noor, "noor's")
    listing = command(list=True)
    assert str(token.pk) in listing
    assert "nightly" in listing
    assert "noor's" in listing
    assert key not in listing
    assert token.key_hash not in listing
    assert "noor's" not in command("dr_grey", list=True)
    assert f"revoked {token.pk}" in command(revoke=str(token.pk))
    assert api(key) == 401
    assert "revoked" in command("dr_grey", list=True)
    assert "already revoked" in command(revoke=str(token.pk))


@pytest.mark.parametrize(
    ("args", "options", "error"),
    [
        ((), {}, "give a username"),
        ((), {"revoke": "not-an-id"}, "no API token not-an-id"),
        ((), {"revoke": "0b7c6a8e-9a0f-4e59-8a53-3f1f0c2f3a11"}, "no API token"),
        (("dr_grey",), {"days": 0}, "days must be a whole number from 1 to 3650"),
        (("nobody",), {"list": True}, "no user 'nobody'"),
        ((), {"list": True, "revoke": "x"}, "not both"),
    ],
)
def test_the_command_refuses_clearly(dr_grey, args, options, error):
    with pytest.raises(CommandError, match=error):
        command(*args, **options)
    assert not ApiToken.objects.exists()


def test_bonta_token_passes_its_options(dr_grey, capsys):
    assert main(["token", "dr_grey", "--name", "ci", "--days", "3"]) == 0
    key = capsys.readouterr().out.strip()
    assert api(key) == 200
    token = ApiToken.objects.get(name="ci")
    assert main(["token", "--list"]) == 0
    assert str(token.pk) in capsys.readouterr().out
    assert main(["token", "--revoke", str(token.pk)]) == 0
    assert api(key) == 401


# ---- the manager's page --------------------------------------------------------------------


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_manager_sees_every_token_and_revokes_one(max_manager, dr_grey):
    token, key = issue_token(dr_grey, "laptop")
    user_for_key(key)
    page = _signed_in(max_manager).get("/api-tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    for shown in ("laptop", "dr_grey", "active"):
        assert shown in html
    assert key not in html
    assert token.key_hash not in html
    assert page["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="token.list", actor_id=max_manager.pk).exists()
    response = _signed_in(max_manager).post(f"/api-tokens/{token.pk}/revoke/")
    assert (response.status_code, response["Location"]) == (302, "/api-tokens/")
    assert api(key) == 401
    event = AuditEvent.objects.get(action="token.revoke")
    assert (event.actor_id, event.object_id) == (max_manager.pk, str(token.pk))


def test_only_the_manager_may_open_the_page(dr_grey, nurse_noor):
    token, key = issue_token(dr_grey, "laptop")
    for user in (dr_grey, nurse_noor):
        assert _signed_in(user).get("/api-tokens/").status_code == 403
        assert _signed_in(user).post(f"/api-tokens/{token.pk}/revoke/").status_code == 403
    assert Client().get("/api-tokens/").status_code == 302  # to sign-in
    assert api(key) == 200


def test_revoking_an_unknown_token_is_404(max_manager):
    response = _signed_in(max_manager).post(
        "/api-tokens/0b7c6a8e-9a0f-4e59-8a53-3f1f0c2f3a11/revoke/"
    )
    assert response.status_code == 404


def test_expired_tokens_show_as_expired(max_manager, dr_grey):
    token, _ = issue_token(dr_grey, "old")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    html = _signed_in(max_manager).get("/api-tokens/").content.decode()
    assert "expired" in html
    assert "Revoke" not in html
