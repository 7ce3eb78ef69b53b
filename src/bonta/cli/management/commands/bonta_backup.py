"""`bonta backup [--output FILE]`: database, keys and photos in one checked archive."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Back up the database, the data directory's keys and the photos into one tar file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        from bonta.cli.archive import BackupError, create_backup

        output = options.get("output")
        if not output:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            output = str(Path(settings.DATA_DIR) / "backups" / f"bonta-{stamp}.tar")
        try:
            manifest = create_backup(Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["row_counts"].values())
        photos = sum(1 for f in manifest["files"] if f["name"].startswith("photos/"))
        self.stdout.write(
            f"backup written to {output} ({manifest['engine']}): {rows} rows in "
            f"{len(manifest['row_counts'])} tables, {photos} photos, audit head "
            f"#{manifest['audit_head']['seq']}"
        )
