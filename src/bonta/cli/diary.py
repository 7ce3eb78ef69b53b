"""`bonta diary summarize`: chart analytics for one headache-diary CSV, without a database.

Wiring: `bonta.cli.main` calls `add_parser(subparsers)` with its sub-parser collection; the
`summarize` parser sets `run`, which returns the exit code (0 success, 2 invalid input with one
line on stderr naming the line and field, 3 an internal error). No traceback is ever printed.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from typing import Any

from bonta.domain.errors import DomainError, InvalidInput
from bonta.domain.headache.summary import DiarySummary, summarize, summary_as_dict
from bonta.formats.exactjson import dumps
from bonta.migraine.diary_csv import read_diary_csv

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_BUG = 3

PROG = "bonta diary summarize"
EPILOG = """\
Periods are 28 days anchored on the first injection (the baseline is the 28 days before it).
Days with no diary row are missing, never headache-free: a threshold that missing days could
decide either way is reported as not evaluable.

exit codes:
  0  success
  2  invalid input: one line on stderr names the line and field; nothing on stdout
  3  an internal error (a bug in bonta; please report it)

The CSV format is described in bonta.migraine.diary_csv (one row per day, header row).
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `diary` (with its `summarize` command) to a sub-parser collection."""
    diary: argparse.ArgumentParser = subparsers.add_parser(
        "diary",
        help="Headache-diary analytics (chronic-migraine pathway).",
        description="Headache-diary analytics (chronic-migraine pathway).",
    )
    commands = diary.add_subparsers(title="diary commands", metavar="COMMAND", required=True)
    summary = "Summarise a diary CSV: 28-day periods, ICHD-3, medication overuse, NICE TA260."
    summarize_ = commands.add_parser(
        "summarize",
        help=summary,
        description=summary,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    summarize_.add_argument("diary", metavar="DIARY.csv", help="the diary file")
    summarize_.add_argument(
        "--injections",
        metavar="DATE,DATE,...",
        default="",
        help="chronic-migraine injection dates (YYYY-MM-DD), comma-separated",
    )
    summarize_.add_argument(
        "--failed-preventives",
        metavar="N",
        help="preventive medicines that failed, were not tolerated or are unsuitable",
    )
    summarize_.add_argument(
        "--overuse-managed",
        action="store_true",
        help="a clinician confirms medication overuse is appropriately managed (NICE TA260 "
        "1.1); without it the criterion is 'not recorded' and initiation not evaluable",
    )
    summarize_.add_argument(
        "--as-of",
        metavar="DATE",
        help="the date to summarise as of (default: today's local date)",
    )
    summarize_.add_argument("--json", action="store_true", help="print JSON")
    summarize_.set_defaults(run=run)
    return diary


def run(args: argparse.Namespace) -> int:
    """Summarise the diary named in `args`; print it; return the exit code."""
    try:
        result = _summarize(args)
    except DomainError as error:
        print(f"{PROG}: {error.message}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as error:  # no traceback from a pure command, ever
        print(
            f"{PROG}: internal error (a bug; please report it): {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_BUG
    if args.json:
        # Percentages keep their computed form (30.0), not normalised away.
        sys.stdout.write(dumps(summary_as_dict(result), normalize=False, ascii_only=False) + "\n")
    else:
        _print_text(result)
    return EXIT_OK


def _summarize(args: argparse.Namespace) -> DiarySummary:
    as_of = _as_of(args.as_of)
    injections = _injections(args.injections)
    failed = _failed_preventives(args.failed_preventives)
    days = read_diary_csv(args.diary, today=as_of)
    return summarize(
        days,
        injections,
        as_of,
        failed_preventives=failed,
        overuse_managed=True if args.overuse_managed else None,
    )


def _local_today() -> date:
    return datetime.now(UTC).astimezone().date()  # diary days are local dates


def _iso_date(field: str, value: str) -> date:
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a date in YYYY-MM-DD form") from None


def _as_of(value: str | None) -> date:
    return _local_today() if value is None else _iso_date("--as-of", value)


def _injections(value: str) -> list[date]:
    if not value.strip():
        return []
    return [_iso_date("--injections", part) for part in value.split(",")]


def _failed_preventives(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit():
        raise InvalidInput("--failed-preventives", f"{value!r} must be a whole number, 0 or more")
    return int(text)


# ---- output ------------------------------------------------------------------------------------


def _print_text(s: DiarySummary) -> None:
    header = ("period", "start", "end", "recorded", "headache", "≥4 h", "migraine", "acute med")
    rows = [header] + [
        (
            p.label,
            p.counts.start.isoformat(),
            p.counts.end.isoformat(),
            f"{p.counts.days_recorded}/{p.counts.days_in_window}",
            str(p.counts.headache_days),
            str(p.counts.headache_days_4h),
            str(p.counts.migraine_days),
            str(p.counts.acute_medication_days),
        )
        for p in s.periods
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print()
    print(f"ICHD-3 1.3 chronic migraine: {s.chronic_migraine.judgement.value}")
    overused = ", ".join(s.medication_overuse.overused) or "none"
    print(f"ICHD-3 8.2 medication overuse: {overused}")
    print(f"NICE TA260 initiation: {'eligible' if s.initiation.eligible else 'not eligible'}")
    for reason in s.initiation.reasons:
        print(f"  - {reason}")
    print(f"NICE TA260 continuation: {s.continuation.verdict.value}")
    for reason in s.continuation.reasons:
        print(f"  - {reason}")
    for review in s.continuation.review:
        print(f"  - to review: {review}")
