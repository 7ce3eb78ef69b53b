"""Ten thousand reminders on a database two processes share, for the kill-and-restart test.

Run as a script against DATABASE_URL (a SQLite file or a PostgreSQL database):

    python tests/reminders/fleet.py setup N   migrate; N patients, each with an appointment
                                              tomorrow; enqueue their reminders
    python tests/reminders/fleet.py report    the outbox as JSON: counts and Message-IDs
    python tests/reminders/fleet.py sync      SQLite's synchronous level outside, inside and
                                              after the hand-over transaction

The rows are written in bulk (as the demo loader does), not through the booking service:
10,000 audited bookings would cost minutes and test nothing here.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from typing import Any


def setup(count: int) -> dict[str, Any]:
    from django.utils import timezone

    from bonta.accounts.models import Role, User
    from bonta.appointments.models import Appointment
    from bonta.records.models import Patient
    from bonta.reminders import outbox

    clinician = User(username="dr_fleet", role=Role.CLINICIAN)
    clinician.set_unusable_password()
    clinician.save()
    patients = Patient.objects.bulk_create(
        (
            Patient(
                record_number=f"F-{n:05d}",
                given_name="Test",
                family_name=f"Patient {n}",
                birth_date=date(1980, 1, 1),
                email=f"patient{n}@mail.example",
            )
            for n in range(count)
        ),
        batch_size=1000,
    )
    now = timezone.now()
    Appointment.objects.bulk_create(
        (
            Appointment(
                patient=p,
                clinician=clinician,
                pathway="cosmetic",
                kind="consultation",
                starts_at=now + timedelta(hours=24, minutes=n % 600),
                duration_minutes=15,
            )
            for n, p in enumerate(patients)
        ),
        batch_size=1000,
    )
    return {"created": outbox.enqueue_due(now).created}


def report() -> dict[str, Any]:
    from bonta.reminders import config, outbox
    from bonta.reminders.message import message_id
    from bonta.reminders.models import Reminder

    clinic = config.clinic()

    def ids(status: str) -> list[str]:
        rows = Reminder.objects.filter(status=status).values_list("pk", flat=True)
        return [message_id(pk, clinic) for pk in rows]

    return {
        "counts": outbox.counts(),
        "sent": ids("sent"),
        "uncertain": ids("uncertain"),
        "max_attempts": max(Reminder.objects.values_list("attempts", flat=True)),
    }


def sync_levels() -> dict[str, int]:
    from django.db import connection

    from bonta.reminders.outbox import durable_transaction

    def level() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            return int(cursor.fetchone()[0])

    before = level()
    with durable_transaction():
        inside = level()
    return {"before": before, "inside": inside, "after": level()}


if __name__ == "__main__":
    import django
    from django.core.management import call_command

    django.setup()
    if sys.argv[1] == "setup":
        call_command("migrate", verbosity=0)
        print(json.dumps(setup(int(sys.argv[2]))))
    elif sys.argv[1] == "sync":
        print(json.dumps(sync_levels()))
    else:
        print(json.dumps(report()))
