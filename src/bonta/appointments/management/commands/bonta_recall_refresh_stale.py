"""`bonta_recall_refresh_stale [--older-than SECONDS]`: recompute the due dates of patients
marked stale (`bonta.appointments.services.stale`), now.

A change of a patient's history marks them in its transaction and refreshes them after commit;
a mark outlives that only when the process died in between, and `bonta worker` and the
`bonta serve` background thread sweep such marks within seconds. This does it by hand (by
default every mark, whatever its age) and prints how many patients were refreshed and how many
marks remain (a change committed meanwhile).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.appointments.services.stale import stale_status, sweep


class Command(BaseCommand):
    help = "Recompute the recall due dates of patients marked stale."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=0.0,
            help="only marks at least this many seconds old (default 0: every mark)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = options["older_than"]
        if not 0 <= seconds <= 365 * 86400:
            raise CommandError("--older-than must be a number of seconds from 0 to 31536000")
        done = sweep(older_than=timedelta(seconds=seconds))
        left = stale_status()
        self.stdout.write(
            f"recall due dates refreshed for {done} patient(s); {left.count} still marked"
        )
