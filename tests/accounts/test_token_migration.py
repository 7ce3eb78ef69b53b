"""Tokens issued before expiry existed get one BONTA_API_TOKEN_DAYS after the upgrade."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("accounts", "0004_mfa_and_demo_accounts")]
AFTER = [("accounts", "0005_api_token_expiry")]


@pytest.mark.django_db(transaction=True)
def test_an_existing_token_is_given_an_expiry_from_the_upgrade(settings):
    settings.BONTA_API_TOKEN_DAYS = 10
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("accounts", "User").objects.create(username="old", role="clinician")
    old.get_model("accounts", "ApiToken").objects.create(user=user, name="old", key_hash="0" * 64)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    token = new.get_model("accounts", "ApiToken").objects.get(name="old")
    left = token.expires_at - timezone.now()
    assert timedelta(days=9, hours=23) < left <= timedelta(days=10)
    assert token.last_used_at is None

    executor = MigrationExecutor(connection)  # back to the latest state for the other tests
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
