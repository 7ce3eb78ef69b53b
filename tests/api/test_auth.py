"""Bearer tokens: only a hash is stored; revoked or unknown keys are refused."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command

from bonta.accounts.models import ApiToken
from bonta.accounts.tokens import issue_token, revoke_token

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_only_the_hash_of_a_key_is_stored(dr_grey):
    token, key = issue_token(dr_grey, "laptop")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values_list())


def test_a_revoked_or_unknown_key_is_refused(dr_grey):
    token, key = issue_token(dr_grey, "laptop")
    assert ApiClient(key).get("/api/patients")[0] == 200
    revoke_token(token, by=dr_grey)
    assert ApiClient(key).get("/api/patients")[0] == 401
    assert ApiClient("bonta_guess").get("/api/patients")[0] == 401


def test_the_management_command_prints_a_working_key(dr_grey):
    out = StringIO()
    call_command("bonta_issue_token", "dr_grey", "--name", "script", stdout=out)
    assert ApiClient(out.getvalue().strip()).get("/api/patients")[0] == 200
