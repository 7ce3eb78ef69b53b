"""`bonta recall refresh-stale [--older-than SECONDS]`: recompute the recall list's due dates of
patients marked stale (Django-backed; the work is bonta.appointments'
`bonta_recall_refresh_stale`). `bonta worker` and `bonta serve` do it within seconds by
themselves; this is for doing it by hand (e.g. with neither running)."""

from __future__ import annotations

import argparse
from typing import Any

from bonta.cli.server import run_django


def run_refresh_stale(args: argparse.Namespace) -> int:
    return run_django("bonta_recall_refresh_stale", older_than=args.older_than)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    summary = "The recall list's stored due dates."
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "recall", help=summary, description=summary
    )
    commands = parser.add_subparsers(dest="recall_command", metavar="COMMAND", required=True)
    refresh = commands.add_parser(
        "refresh-stale",
        help="Recompute the due dates of patients marked stale now.",
        description=__doc__,
    )
    refresh.add_argument(
        "--older-than",
        type=float,
        default=None,
        metavar="SECONDS",
        help="only marks at least this old (default: every mark)",
    )
    refresh.set_defaults(run=run_refresh_stale)
    return parser
