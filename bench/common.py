"""Timing helpers shared by the benchmarks. Benchmarks report; they never assert."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


def measure(fn: Callable[[], Any], *, repeat: int, warmup: int = 5) -> dict[str, float]:
    """Run `fn` `repeat` times; return median, p95 and min in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    return {
        "runs": repeat,
        "median_ms": round(statistics.median(samples), 4),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 4),
        "min_ms": round(samples[0], 4),
    }


def report(name: str, result: dict[str, Any], target: str) -> dict[str, Any]:
    """Write and print one result row, with the load average (the figures are only comparable
    on a quiet machine)."""
    RESULTS.mkdir(exist_ok=True)
    row = {"benchmark": name, "target": target, **result}
    row.setdefault("load_average", [round(x, 2) for x in os.getloadavg()])
    (RESULTS / f"{name}.json").write_text(json.dumps(row, indent=2))
    print(json.dumps(row))
    return row


def ensure_demo_database(patients: int, seed: int = 7) -> int:
    """Migrate, then fill the database with `bonta demo` up to `patients` (slow only once)."""
    from django.core.management import call_command

    from bonta.records.models import Patient

    call_command("migrate", interactive=False, verbosity=0)
    have = Patient.objects.count()
    if have < patients:
        print(f"generating {patients - have} demo patients (once)…", flush=True)
        call_command("bonta_demo", patients=patients - have, seed=seed)
        refresh_statistics()
    return Patient.objects.count()


def refresh_statistics() -> None:
    """After a bulk load, as a DBA would: PostgreSQL's planner statistics and visibility map
    (autovacuum would get there later; index-only scans need the map). SQLite: nothing."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def glabellar_draft(patient: Any, clinician: Any, lot: str) -> Any:
    """A cosmetic glabellar draft from a fresh vial reconstituted 5 minutes ago (untimed)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from bonta.records import services

    now = timezone.now()
    vial = services.register_vial(
        by=clinician,
        product="botox_cosmetic",
        lot=lot,
        expiry=(now + timedelta(days=300)).date(),
        size_units=Decimal(100),
        diluent_ml=Decimal("2.5"),
        reconstituted_at=now - timedelta(minutes=5),
    )
    return services.open_encounter(
        patient,
        by=clinician,
        pathway="cosmetic",
        product="botox_cosmetic",
        at=now,
        protocol="glabellar_lines",
        vial=vial.pk,
    )


def preempt_draft(patient: Any, clinician: Any, lot: str) -> Any:
    """A chronic-migraine PREEMPT draft from a fresh 200 U vial (untimed): its live check also
    judges the course's NICE TA260 state from the diary (bonta.migraine.planning)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from bonta.records import services

    now = timezone.now()
    vial = services.register_vial(
        by=clinician,
        product="botox",
        lot=lot,
        expiry=(now + timedelta(days=300)).date(),
        size_units=Decimal(200),
        diluent_ml=Decimal(4),
        reconstituted_at=now - timedelta(minutes=5),
    )
    return services.open_encounter(
        patient,
        by=clinician,
        pathway="chronic_migraine",
        product="botox",
        at=now,
        protocol="preempt_fixed_site",
        vial=vial.pk,
    )


def ensure_consent(patient: Any, witness: Any, kind: str) -> None:
    """A current consent of `kind` for `patient` (untimed): sign-off refuses without one, and a
    demo database made before consents existed has none."""
    from bonta.consent import demo, services

    if services.current_consent(patient, kind) is None:
        services.install_shipped_documents()
        services.sign_consent(
            patient,
            kind=kind,
            typed_name=f"{patient.given_name} {patient.family_name}",
            signature=demo.demo_signature(),
            by=witness,
            channel="tablet",
        )
