"""`bonta export-worker`: run queued FHIR Bulk Data exports (and delete expired ones)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.fhir import bulk


class Command(BaseCommand):
    help = "Run queued FHIR $export jobs until SIGTERM (after the current one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--until-idle", action="store_true", help="exit when no job is queued")
        parser.add_argument("--poll", type=float, default=5.0, help="seconds between idle passes")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["poll"] <= 0:
            raise CommandError("--poll must be positive")
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        previous = signal.signal(signal.SIGTERM, stop)
        name = bulk.runner_name()
        self.stdout.write(f"export worker {name}: SIGTERM stops after the current job")
        self.stdout.flush()
        ran = 0
        try:
            while not stopping:
                bulk.expire_due()
                done = bulk.run_queued(limit=1, worker=name)
                ran += done
                if not done:
                    if options["until_idle"]:
                        break
                    time.sleep(options["poll"])
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write(f"stopped: {ran} export(s) run")
