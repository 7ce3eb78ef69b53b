"""`sign_encounter` on PostgreSQL with a 100k-patient demo database.

Target (issue #2): median ≤ 30 ms. Run against DATABASE_URL (default: a local `bonta_bench`
database, created and filled with `bonta demo` on first use, which takes a while once):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonta_bench python -m bench.bench_sign_encounter

Each timed call signs a fresh draft: a glabellar-lines plan for a cosmetic patient from the
demo, with a fresh reconstituted vial. Drafts are opened untimed; only sign-off is measured
(it includes the consent guard's one query: the patient has a current cosmetic consent).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from bench.common import ensure_consent, ensure_demo_database, glabellar_draft, report

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bonta_bench"


def setup_django(url: str) -> None:
    os.environ.setdefault("DATABASE_URL", url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()


def main() -> dict[str, object]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL", DEFAULT_URL))

    from django.db import connection

    from bonta.demo.clinic import ensure_demo_users
    from bonta.domain.pathways import OverrideNeed
    from bonta.records.models import Course, Patient
    from bonta.records.services import encounters as svc

    total = ensure_demo_database(args.patients)
    users = ensure_demo_users()
    clinician = users["clinician"]
    rng = random.Random(11)
    ids = list(
        Course.objects.filter(pathway="cosmetic").values_list("patient_id", flat=True)[:20000]
    )
    samples = []
    for n in range(args.runs):
        patient = Patient.objects.get(pk=rng.choice(ids))
        ensure_consent(patient, clinician, "cosmetic")  # the demo signs these; older DBs lack them
        encounter = glabellar_draft(patient, clinician, f"BENCH{n:05d}")
        blocks = [f for f in svc.check_plan(encounter, by=clinician) if f.kind is not None]
        if any(f.override is not OverrideNeed.REASON for f in blocks):
            continue  # a hard stop or a block needing a countersignature: not this benchmark
        overrides = [
            svc.OverrideInput(f.code, "documented_clinical_need", "benchmark: synthetic history")
            for f in {f.code: f for f in blocks}.values()
        ]
        start = time.perf_counter_ns()
        svc.sign_encounter(encounter, clinician, overrides)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    result = {
        "engine": connection.vendor,
        "patients": total,
        "runs": len(samples),
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3),
    }
    return report(f"sign_encounter_{connection.vendor}", result, "median <= 30 ms (PostgreSQL)")


if __name__ == "__main__":
    main()
