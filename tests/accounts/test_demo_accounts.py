"""The demo loader flags the accounts it makes (demo mode exempts only those from MFA)."""

from __future__ import annotations

import pytest

from bonta.accounts.models import Role, User
from bonta.demo.clinic import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users

pytestmark = pytest.mark.django_db


def test_demo_users_are_flagged_as_demo_accounts() -> None:
    users = ensure_demo_users()
    assert {u.username for u in users.values()} == {name for name, _ in DEMO_USERS}
    assert all(u.demo_account for u in users.values())


def test_an_older_demo_account_with_the_demo_password_is_flagged_a_real_one_is_not() -> None:
    User.objects.create_user("clinician", password=DEMO_PASSWORD, role=Role.CLINICIAN)
    User.objects.create_user("manager", password="a-real-private-pass", role=Role.MANAGER)
    ensure_demo_users()
    assert User.objects.get(username="clinician").demo_account
    assert not User.objects.get(username="manager").demo_account
