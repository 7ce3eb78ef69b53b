"""`bonta_diary_report [--as-of DATE] [--store DIR] [--no-refresh | --max-age MINUTES]`.

Prints the clinic's population diary report (responder rates per cycle, the weeks 1–4 / 5–8 /
9–12 wearing-off figure, NICE reviews due, overuse) as JSON. By default the columnar store is
refreshed from the database first; ``--max-age`` refreshes it only when it is older than that
(a scheduled `bonta_refresh_diary_store` keeps it young); ``--no-refresh`` reads it as it is.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Print the population diary report as JSON (refreshing the columnar store first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--store", default=None, help="store folder (default: DATA_DIR)")
        fresh = parser.add_mutually_exclusive_group()
        fresh.add_argument("--no-refresh", action="store_true")
        fresh.add_argument(
            "--max-age",
            type=int,
            default=None,
            metavar="MINUTES",
            help="refresh the store only when it is older than this",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from bonta.migraine.population import population_report
        from bonta.migraine.services import local_today
        from bonta.migraine.store import default_folder, open_store, refresh_if_stale, refresh_store

        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else local_today()
        except ValueError:
            raise CommandError("--as-of must be a date in YYYY-MM-DD form") from None
        folder = Path(options["store"] or default_folder())
        if options["no_refresh"]:
            store = open_store(folder)
        elif options["max_age"] is not None:
            if options["max_age"] < 0:
                raise CommandError("--max-age must be 0 or more minutes")
            store, _ = refresh_if_stale(folder, timedelta(minutes=options["max_age"]))
        else:
            store = refresh_store(folder)
        if not store.days.exists():
            raise CommandError(f"no diary store in {folder}: run without --no-refresh")
        report = population_report(store, as_of)
        self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
