"""FHIR Bulk Data `$export` of a whole demo clinic: resources per second and peak memory.

Target (issue #13): ≥ 5,000 resources/s and peak RSS < 512 MiB at 100k patients, on SQLite
and PostgreSQL. The export streams (`.iterator(chunk_size=…)`, one NDJSON line per resource),
so memory should not grow with the clinic; the figure to extrapolate from is the peak RSS
*above* the process's baseline (Django loaded, before the export).

    BONTA_DATA_DIR=$(mktemp -d) python -m bench.bench_fhir_export --patients 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonta_bench python -m bench.bench_fhir_export

The database is migrated and filled with `bonta demo` first (in this process); the export is
then timed in a fresh child process, so its peak RSS is the export's, not the generator's. The
job runs synchronously (no thread), as `bonta export-worker` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure_export(group: str = "") -> dict[str, object]:
    setup_django()
    from django.conf import settings

    from bonta.accounts.models import Role, User
    from bonta.fhir import bulk
    from bonta.fhir.models import ExportLevel

    settings.BONTA_EXPORT_THREAD = False
    user, _ = User.objects.get_or_create(username="bench_export", defaults={"role": Role.MANAGER})
    baseline = rss_mib()
    if group:  # Group/<group>/$export: the members' compartments
        job = bulk.kick_off(
            user, level=ExportLevel.GROUP, group=group, query={}, request_url="bench"
        )
    else:
        job = bulk.kick_off(user, level=ExportLevel.SYSTEM, query={}, request_url="bench")
    started = time.perf_counter()
    bulk.run_queued(job_id=job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    files = list(job.files.all())
    total = sum(f.count for f in files)
    size = sum(f.size for f in files)
    bulk.cancel(job, user)  # deletes the files
    return {
        "status": job.status,
        "resources": total,
        "per_type": {f.resource_type: f.count for f in files},
        "mib_written": round(size / 2**20, 1),
        "seconds": round(seconds, 2),
        "resources_per_s": round(total / seconds),
        "baseline_rss_mib": round(baseline, 1),
        "peak_rss_mib": round(rss_mib(), 1),
        "peak_above_baseline_mib": round(rss_mib() - baseline, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--group", default="", help="a Group's $export (cosmetic, migraine…)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_export(args.group)))
        return
    setup_django()
    from django.db import connection

    from bench.common import ensure_demo_database, report

    patients = ensure_demo_database(args.patients)
    connection.close()
    done = subprocess.run(  # noqa: S603 - this interpreter, this module, a group id argument
        [sys.executable, "-m", "bench.bench_fhir_export", "--child", "--group", args.group],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    report(
        f"fhir_export_group_{args.group}" if args.group else "fhir_export",
        {"engine": connection.vendor, "patients": patients, **result},
        "≥ 5,000 resources/s, peak RSS < 512 MiB at 100k patients",
    )


if __name__ == "__main__":
    main()
