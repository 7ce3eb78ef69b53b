"""`bonta recall-lot LOT --by USER [--csv FILE]`: the patients who received a lot (Django-backed;
the work is the `bonta_recall_lot` management command of bonta.lotrecall)."""

from __future__ import annotations

import argparse
from typing import Any

from bonta.cli.server import run_django


def run(args: argparse.Namespace) -> int:
    return run_django("bonta_recall_lot", args.lot, by=args.by, csv=args.csv)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    summary = "List every patient who received a lot (product recall); audited."
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "recall-lot", help=summary, description=summary
    )
    parser.add_argument("lot", metavar="LOT", help="the lot number, as on the vial")
    parser.add_argument("--by", required=True, help="your username (a manager or clinician)")
    parser.add_argument("--csv", metavar="FILE", help="write the CSV export to FILE")
    parser.set_defaults(run=run)
    return parser
