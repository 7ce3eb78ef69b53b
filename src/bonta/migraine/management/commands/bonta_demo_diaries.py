"""`bonta_demo_diaries --days N [--seed S]`: diaries for the demo's chronic-migraine patients."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Fill synthetic headache diaries for every chronic-migraine patient without one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        from bonta.migraine.demo import generate_diaries

        if not 1 <= options["days"] <= 3650:
            raise CommandError("--days must be between 1 and 3650")
        written = generate_diaries(None, options["days"], options["seed"])
        self.stdout.write(f"{written} diary days created")
