"""`recall_list` for the next 30 days over a demo database.

Target (issue #5): median ≤ 100 ms on SQLite and on PostgreSQL with 100k patients. Run against
DATABASE_URL, or SQLite under BONTA_DATA_DIR when it is unset (filled with `bonta demo` on first
use, which takes a while once):

    BONTA_DATA_DIR=/tmp/bonta-bench python -m bench.bench_recall --patients 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonta_recall python -m bench.bench_recall

The list reads the stored due dates (`appointments.RecallDue`): migrating a database that has
records fills them, the demo loader fills them per batch, and `python -m django
bonta_recall_rebuild` recomputes them (time it separately: it is not part of this figure).
`--clinic CODE` times the list for one site ("" for the default site).

Each timed call lists the recall for a different start day in the coming month (the demo's
history runs up to today), so the memo inside one call never serves the next. The result also
gives the median number of entries (the list's size decides most of the cost) and the call's
number of SQL statements, counted once before timing.
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

from bench.common import ensure_demo_database, measure, report


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()


def main() -> dict[str, object]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--clinic", default=None, help='a site code ("" for the default site)')
    args = parser.parse_args()
    setup_django()

    from django.db import connection
    from django.utils import timezone

    from bonta.appointments.services import recall_list
    from bonta.demo.clinic import ensure_demo_users

    total = ensure_demo_database(args.patients)
    manager = ensure_demo_users()["clinician"]
    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    starts = iter(range(10**6))
    sizes = []

    def run() -> None:
        on = today + timedelta(days=next(starts) % 30)
        sizes.append(len(recall_list(on, args.days, args.clinic, by=manager)))

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:  # counted once, not timed
        recall_list(today, args.days, args.clinic, by=manager)
    result = measure(run, repeat=args.runs, warmup=3)
    result = {
        "engine": connection.vendor,
        "patients": total,
        "days": args.days,
        "clinic": args.clinic,
        "median_entries": sorted(sizes)[len(sizes) // 2],
        "queries": len(captured),
        **result,
    }
    return report(f"recall_{connection.vendor}", result, "median <= 100 ms (100k patients)")


if __name__ == "__main__":
    main()
