"""`bonta demo --patients N [--seed S]`: generate a realistic synthetic clinic."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Generate a synthetic clinic: both pathways, several products, vials, adverse events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from bonta.demo.clinic import generate

        if options["patients"] < 1:
            raise CommandError("--patients must be at least 1")
        if not 1 <= options["years"] <= 30:
            raise CommandError("--years must be between 1 and 30")
        summary = generate(
            options["patients"],
            seed=options["seed"],
            years=options["years"],
            progress=not options["no_progress"],
        )
        self.stdout.write(
            ", ".join(f"{count} {name}" for name, count in summary.items()) + " created"
        )
