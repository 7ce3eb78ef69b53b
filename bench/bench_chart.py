"""Server time of the chart page, and of the live-check request, for a 10-year patient.

Target (issue #3): on a 100k-patient database, chart median ≤ 40 ms and live check
median ≤ 25 ms, on SQLite and PostgreSQL. The demo's first patient (BN0000001) is the
10-year showcase: both pathways, a PREEMPT cycle every 12 weeks and cosmetic sessions.

    BONTA_DATA_DIR=$(mktemp -d) python -m bench.bench_chart --patients 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonta_bench python -m bench.bench_chart

The database is migrated and filled with `bonta demo` when it has fewer patients than asked.
Requests go through Django's test client (the whole middleware stack, no network), signed in
as the demo clinician; the time is measured around `client.get` / `client.post` only. Each
result also gives the request's number of SQL statements, counted once before timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.test import Client

from bench.common import ensure_demo_database, glabellar_draft, measure, preempt_draft, report


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def signed_in(user: Any) -> Client:
    """A test client signed in as `user` whose session has passed MFA, as the sign-in leaves it
    (clinicians must use MFA: without the mark every page redirects to the code step)."""
    from django.test import Client

    from bonta.accounts import mfa

    client = Client()
    client.force_login(user)
    session = client.session
    session[mfa.VERIFIED_SESSION_KEY] = True
    session.save()
    return client


def timed(request: Callable[[], object], *, runs: int) -> dict[str, object]:
    """`measure`'s wall-clock figures, plus the median CPU time of this process per request
    (`cpu_median_ms`: the Python side, server and test client; the database server's own work
    is not in it). On a shared machine the wall clock mostly measures the queue for a core;
    the CPU time is the steadier figure to compare runs by."""
    cpu: list[float] = []

    def one() -> object:
        start = time.process_time()
        try:
            return request()
        finally:
            cpu.append((time.process_time() - start) * 1000)

    result: dict[str, object] = dict(measure(one, repeat=runs))
    result["cpu_median_ms"] = round(statistics.median(cpu[-runs:]), 4)
    return result


def count_queries(request: Callable[[], object]) -> int:
    """SQL statements of one request, BEGIN/COMMIT included (not timed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        request()
    return len(captured)


def main() -> list[dict[str, object]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    setup_django()

    from django.db import connection

    from bonta.demo.clinic import ensure_demo_users
    from bonta.records.models import Patient

    total = ensure_demo_database(args.patients)
    clinician = ensure_demo_users()["clinician"]
    patient = Patient.objects.get(record_number="BN0000001")
    client = signed_in(clinician)
    chart_url = f"/patients/{patient.pk}/"
    status = client.get(chart_url).status_code
    assert status == 200, f"chart answered {status}"

    draft = glabellar_draft(patient, clinician, "BENCH-CHART")
    plan = [(p.point, str(p.units)) for p in draft.plan.all()]
    body = {
        "point": [p for p, _ in plan],
        "units": [u for _, u in plan],
        "vial": str(draft.plan.first().vial_id),
        "action": "update",
    }
    plan_url = f"/encounters/{draft.pk}/plan/"
    headers = {"HX-Request": "true"}
    assert client.post(plan_url, body, headers=headers).status_code == 200

    common = {
        "engine": connection.vendor,
        "patients": total,
        "encounters_of_patient": patient.encounters.count(),
    }

    def get_chart() -> object:
        return client.get(chart_url)

    def post_plan() -> object:
        return client.post(plan_url, body, headers=headers)

    chart = {"queries": count_queries(get_chart), **timed(get_chart, runs=args.runs)}
    live = {"queries": count_queries(post_plan), **timed(post_plan, runs=args.runs)}
    draft.plan.all().delete()  # leave the showcase patient's chart as the demo made it
    draft.delete()

    # The chronic-migraine live check: the same request, plus the course's NICE TA260 state
    # judged once from the diary (PLANNING_CONTEXT "nice").
    migraine = preempt_draft(patient, clinician, "BENCH-CM")
    rows = [(p.point, str(p.units)) for p in migraine.plan.all()]
    cm_body = {
        "point": [p for p, _ in rows],
        "units": [u for _, u in rows],
        "vial": str(migraine.plan.first().vial_id),
        "action": "update",
    }
    cm_url = f"/encounters/{migraine.pk}/plan/"
    assert client.post(cm_url, cm_body, headers=headers).status_code == 200

    def post_migraine_plan() -> object:
        return client.post(cm_url, cm_body, headers=headers)

    cm = {
        "queries": count_queries(post_migraine_plan),
        "diary_days": patient.diary_entries.count(),
        **timed(post_migraine_plan, runs=args.runs),
    }
    migraine.plan.all().delete()
    migraine.delete()
    return [
        report(f"chart_page_{connection.vendor}", {**common, **chart}, "median <= 40 ms"),
        report(f"live_check_{connection.vendor}", {**common, **live}, "median <= 25 ms"),
        report(f"live_check_migraine_{connection.vendor}", {**common, **cm}, "median <= 25 ms"),
    ]


if __name__ == "__main__":
    main()
