"""`bonta backup [--output FILE]` and `bonta restore ARCHIVE [--force]`.

Django-backed: they hand over to the `bonta_backup` / `bonta_restore` management commands of
this package (the archive code is `bonta.cli.archive`), set up only when they run.
"""

from __future__ import annotations

import argparse
from typing import Any

from bonta.cli.server import run_django

EPILOG = """\
The archive (tar, mode 0600) holds the database (SQLite: online backup API; PostgreSQL:
pg_dump -Fc), the secret key and the audit key, the photos, and manifest.json with every file's
sha256 and size and every table's row count. It holds patient data and keys: keep it on
encrypted storage. README, "Backup and restore", has a cron example.

exit codes:
  0  success (restore: row counts match and the audit chain verifies)
  1  refused or failed; one line on stderr says why (a checksum that fails, a target that is
     not empty without --force, a wrong engine, counts that differ, a broken audit chain)
  2  usage error
"""


def run_backup(args: argparse.Namespace) -> int:
    return run_django("bonta_backup", output=args.output)


def run_restore(args: argparse.Namespace) -> int:
    return run_django("bonta_restore", args.archive, force=args.force or None)


def add_parser(subparsers: Any) -> None:
    """Add `backup` and `restore` to a sub-parser collection."""

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = subparsers.add_parser(
            name,
            help=text,
            description=text,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return sub

    backup = command("backup", "Back up the database, keys and photos into one checked archive.")
    backup.add_argument(
        "--output", metavar="FILE", help="default: DATA_DIR/backups/bonta-<UTC time>.tar"
    )
    backup.set_defaults(run=run_backup)
    restore = command(
        "restore", "Restore a backup archive into an empty installation (checksums first)."
    )
    restore.add_argument("archive", metavar="ARCHIVE")
    restore.add_argument("--force", action="store_true", help="overwrite a non-empty target")
    restore.set_defaults(run=run_restore)
