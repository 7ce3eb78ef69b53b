"""`bonta_refresh_diary_store [--store DIR] [--if-older-than MINUTES]`: refresh the diary store.

Meant for cron (or a worker), with no human involved: it rebuilds the population report's
columnar copy of the diary (`bonta.migraine.store`) from the database — a new version folder,
switched in atomically, so a report running at the same time never reads half a store. With
``--if-older-than`` it does nothing while the live store is younger than that; while another
refresh is running it leaves that one to finish. Prints one line; no patient data.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Refresh the population report's diary store (for cron; safe to run concurrently)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", default=None, help="store folder (default: DATA_DIR)")
        parser.add_argument(
            "--if-older-than",
            type=int,
            default=None,
            metavar="MINUTES",
            help="refresh only when the live store is older than this",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from bonta.migraine.store import default_folder, refresh_if_stale, refresh_store

        folder = Path(options["store"] or default_folder())
        minutes = options["if_older_than"]
        if minutes is None:
            store, refreshed = refresh_store(folder), True
        elif minutes < 0:
            raise CommandError("--if-older-than must be 0 or more minutes")
        else:
            store, refreshed = refresh_if_stale(folder, timedelta(minutes=minutes))
        state = "refreshed" if refreshed else "left as it is (fresh, or another refresh runs)"
        self.stdout.write(f"diary store {state}: {store.folder}")
