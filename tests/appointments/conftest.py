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
