"""`bonta restore ARCHIVE [--force]`: checksums first, then the database, keys and photos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Restore a `bonta backup` archive into this installation (empty unless --force)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", metavar="ARCHIVE")
        parser.add_argument("--force", action="store_true", help="overwrite a non-empty target")

    def handle(self, *args: Any, **options: Any) -> None:
        from bonta.cli.archive import BackupError, restore_backup

        try:
            restored = restore_backup(Path(options["archive"]), force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = restored.manifest
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"restored {options['archive']} ({manifest['engine']}, made {manifest['created']}): "
            f"{rows} rows in {len(manifest['row_counts'])} tables, {len(manifest['files'])} files"
        )
        if restored.count_mismatches:
            table, (wanted, found) = sorted(restored.count_mismatches.items())[0]
            raise CommandError(
                f"restored, but {len(restored.count_mismatches)} tables differ from the archive "
                f"(first: {table}, {wanted} rows archived, {found} restored)"
            )
        if not restored.audit.ok:
            raise CommandError(f"restored, but {restored.audit.line()}")
        self.stdout.write(restored.audit.line())
