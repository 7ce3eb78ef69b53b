"""Appointments fixtures: the records personas, and a fixed booking clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bonta.appointments.services import booking
from records.clinic import alice, dr_grey, max_manager, nurse_noor, rita_reception  # noqa: F401

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(booking, "now", lambda: NOW)
    return NOW


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the PostgreSQL-only tests here on other engines (as tests/records does)."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
