"""`bonta_recall_rebuild [--check]`: recompute the recall list's stored due dates.

    python -m django bonta_recall_rebuild            # recompute every patient's rows
    python -m django bonta_recall_rebuild --check    # compare stored with computed, write nothing

The table (`RecallDue`) is kept current by sign-off, wear-off reports and imported records in
their own transactions; rebuild after loading data another way (the demo loader does it per
batch) or after an update that changes the reference data or the scheduling rules. `--check`
exits with status 1 and counts the differing rows when stored and computed disagree.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.appointments.models import RecallDue
from bonta.appointments.services.recall import computed_rows, rebuild, stored_rows
from bonta.records.models import Encounter, EncounterStatus


class Command(BaseCommand):
    help = "Recompute (or --check) the recall list's stored due dates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="compare only; write nothing")
        parser.add_argument("--chunk", type=int, default=2000, help="patients per query batch")

    def handle(self, *args: Any, **options: Any) -> None:
        chunk = options["chunk"]
        if chunk < 1:
            raise CommandError("--chunk must be a whole number of at least 1")
        started = time.perf_counter()
        if options["check"]:
            patients = (
                Encounter.objects.filter(status=EncounterStatus.SIGNED)
                .values_list("patient_id", flat=True)
                .distinct()
            )
            stored, computed = stored_rows(), computed_rows(patients, chunk)
            missing, extra = len(computed - stored), len(stored - computed)
            if missing or extra:
                raise CommandError(
                    f"recall due dates are stale: {missing} rows missing, {extra} rows extra; "
                    "run bonta_recall_rebuild"
                )
            self.stdout.write(f"recall due dates are current ({len(stored)} rows)")
            return

        def progress(done: int, total: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  {done}/{total} patients")

        written = rebuild(chunk, progress)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"recall due dates rebuilt: {written} rows "
            f"({RecallDue.objects.count()} stored) in {seconds:.1f} s"
        )
