"""Shared test configuration. Tests never touch the network; database tests get their own
database (SQLite in memory, or a `test_` database on PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import pytest


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"bonta database: {settings.DATABASES['default']['ENGINE']}"


@pytest.fixture(autouse=True)
def _mfa_off_unless_a_test_asks(settings: object) -> None:
    """The suite's staff sign in with `force_login` or the password form: MFA (required of
    clinicians and managers in production, settings.BONTA_MFA_REQUIRED_ROLES) would stop them
    at the code step. Tests of MFA turn it back on with the `mfa_required` fixture
    (below); tests/accounts/test_security_settings.py checks the production
    default in a fresh process."""
    settings.BONTA_MFA_REQUIRED_ROLES = frozenset()  # type: ignore[attr-defined]


@pytest.fixture
def mfa_required(settings: object) -> None:
    """MFA as in production: clinicians and managers must use it."""
    settings.BONTA_MFA_REQUIRED_ROLES = frozenset({"clinician", "manager"})  # type: ignore[attr-defined]
