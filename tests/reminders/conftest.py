"""Reminder fixtures: the records personas, a fixed clock, a real local SMTP server, and a
worker that sends to it.

The clock: it is Monday 10 March 2025, 09:00 UTC; reminders are due 48 hours before the start
(the default clinic setting).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bonta.appointments.services import book_appointment, booking
from bonta.reminders.worker import Worker
from records.clinic import (  # noqa: F401
    alice,
    dr_grey,
    make_patient,
    max_manager,
    nurse_noor,
    rita_reception,
)
from records.conftest import pytest_collection_modifyitems  # noqa: F401 - skip postgres-only

from .smtpd import SmtpServer

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
SENDER = "reminders@clinic.example"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(booking, "now", lambda: NOW)
    return NOW


@pytest.fixture(autouse=True)
def clinic_settings(settings: pytest.FixtureRequest) -> None:
    settings.BONTA_CLINIC_NAME = "Harbour Clinic"
    settings.BONTA_CLINIC_ADDRESS = "1 Quay Street, Bristol"
    settings.BONTA_CLINIC_PHONE = "0117 496 0000"
    settings.BONTA_PUBLIC_URL = "https://clinic.example"
    settings.BONTA_SMTP_FROM = SENDER
    settings.BONTA_SMTP_TLS = "none"
    settings.BONTA_REMINDER_HOURS_BEFORE = 48
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def smtp(settings: pytest.FixtureRequest) -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        settings.BONTA_SMTP_HOST = "127.0.0.1"
        settings.BONTA_SMTP_PORT = server.port
        yield server


class Clock:
    """The worker's clock; tests move it on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def worker_clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def worker(smtp: SmtpServer, worker_clock: Clock) -> Worker:
    return Worker(clock=worker_clock, poll_seconds=0.01, name="test-worker")


def book(patient, by, clinician, starts_at, minutes=30, **kwargs):
    fields = {"pathway": "cosmetic", "kind": "touch_up"} | kwargs
    return book_appointment(
        patient, by=by, clinician=clinician, starts_at=starts_at, duration_minutes=minutes, **fields
    )
