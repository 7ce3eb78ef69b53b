"""`bonta_diary_report [--as-of DATE] [--store DIR] [--no-refresh]`: the clinic's diary report.

Refreshes the columnar store from the database (unless --no-refresh), then prints the
population report (responder rates per cycle, NICE reviews due, overuse) as JSON.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Print the population diary report as JSON (refreshing the columnar store first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--store", default=None, help="store folder (default: DATA_DIR)")
        parser.add_argument("--no-refresh", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from bonta.diary.population import population_report
        from bonta.diary.services import local_today
        from bonta.diary.store import Store, refresh_store

        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else local_today()
        except ValueError:
            raise CommandError("--as-of must be a date in YYYY-MM-DD form") from None
        folder = Path(options["store"] or settings.DATA_DIR / "diary-store")
        store = Store(folder) if options["no_refresh"] else refresh_store(folder)
        if not store.days.exists():
            raise CommandError(f"no diary store in {folder}: run without --no-refresh")
        report = population_report(store, as_of)
        self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
