"""Shared test configuration. Tests never touch the network; database tests get their own
database (SQLite in memory, or a `test_` database on PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import pytest


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"bonta database: {settings.DATABASES['default']['ENGINE']}"
