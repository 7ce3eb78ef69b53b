"""Population diary report: 100,000 patients × 365 days (36.5 M diary rows).

Targets (issue #4): the report ≤ 5 s end to end, and ≥ 20× faster than summarising the same
data patient by patient through the ORM. Both are measured in one run:

1. **Generate** the synthetic diary straight into the columnar store with DuckDB (vectorised
   SQL over ``range()``; no Python loop, no database): ``diary.parquet``, ``injections.parquet``,
   ``patients.parquet`` in a scratch folder (``--store`` keeps it between runs). Not timed.
2. **Report**: `bonta.migraine.population.population_report(store, as_of)` — read Parquet,
   count every period, cycle and cycle window (weeks 1–4 / 5–8 / 9–12), judge every rule,
   compute the wearing-off figure, build the lists. Timed
   end to end (median of ``--repeat`` runs, the first run reported too); the store's refresh
   from the database is a separate nightly step and is *not* in this figure (its cost on the
   sample is reported beside it, extrapolated).
3. **ORM path**: the first ``--sample`` patients (default 500) are written to a Django database
   (SQLite in a temp folder unless DATABASE_URL is set) and summarised one by one as the chart
   does — `load_diary_snapshot` (four queries) + `summarize`. Its time is **extrapolated
   linearly** to all patients (× patients / sample) and the ratio reported. The sample's
   verdicts are checked against the report's, so the two paths are known to agree.

    BONTA_DATA_DIR=$(mktemp -d) .venv/bin/python -m bench.bench_population
    BONTA_DATA_DIR=$(mktemp -d) .venv/bin/python -m bench.bench_population --patients 10000

Benchmarks report; they never assert. Keep this out of CI (generation takes a minute).
"""

# ruff: noqa: S608 - the SQL is built from this file's constants and temp paths only

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from bench.common import report
from bonta.domain.headache.days import DAY_FIELDS

AS_OF = date(2025, 12, 31)
DAYS = 365
SAMPLE_MAX = 5000  # the ORM path samples from the first patients


def u(salt: str) -> str:
    """A uniform number in [0, 1) from the row's coordinates (deterministic, vectorised)."""
    return f"((hash(pkey, d, '{salt}') % 1000000) / 1000000.0)"


def pu(salt: str) -> str:
    """A uniform number per patient."""
    return f"((hash(pkey, '{salt}') % 1000000) / 1000000.0)"


def generate_store(folder: Path, patients: int, gaps: bool) -> None:
    """Write a synthetic clinic's store with DuckDB: habits per patient, hashed dice per day."""
    folder.mkdir(parents=True, exist_ok=True)
    start = AS_OF - timedelta(days=DAYS - 1)
    from bonta.migraine.store import Store, connect, write_store

    con = connect()
    con.execute(
        f"""
        CREATE TABLE pat AS
        SELECT range::INTEGER AS pkey,
               {pu("treated")} < 0.9 AS treated,
               30 + (hash(range, 'first') % 150)::INTEGER AS first_day,
               0.45 + {pu("rate")} * 0.4 AS rate,
               0.3 + {pu("response")} * 0.8 AS response,
               [0.0, 0.0, 0.01, 0.05, 0.2][1 + (hash(range, 'miss') % 5)::INTEGER] AS missing,
               {pu("overuser")} < 0.2 AS overuser
        FROM range({patients})
        """.replace("hash(pkey,", "hash(range,")
    )
    con.execute(
        f"""
        CREATE TABLE inj AS
        SELECT pkey, first_day + k * 84 + (hash(pkey, k, 'jitter') % 10)::INTEGER AS d
        FROM pat, range(5) AS r(k)
        WHERE treated AND first_day + k * 84 + (hash(pkey, k, 'jitter') % 10)::INTEGER < {DAYS}
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE raw_diary AS
          SELECT printf('00000000-0000-4000-8000-%012d', pkey)::UUID AS patient_id, pkey,
                 DATE '{start}' + d::INTEGER AS "on", headache,
                 CASE WHEN headache THEN (1 + floor({u("hours")} * 20) / 2)::DECIMAL(4,2)
                      ELSE 0 END AS hours,
                 CASE WHEN migraine THEN 2 + ({u("int")} < 0.5)::INTEGER
                      WHEN headache THEN 1 ELSE 0 END::UTINYINT AS intensity,
                 migraine AS unilateral, migraine AND {u("puls")} < 0.7 AS pulsating,
                 migraine AND {u("act")} < 0.4 AS worse_with_activity,
                 migraine AND {u("nau")} < 0.6 AS nausea, false AS vomiting,
                 migraine AS photophobia, migraine AND {u("phono")} < 0.8 AS phonophobia,
                 headache AND {u("aura")} < 0.05 AS aura,
                 triptan AS believed_migraine, triptan AND {u("rel")} < 0.6
                   AS relieved_by_triptan_or_ergot,
                 (triptan::INTEGER * 1
                  + (headache AND {u("simple")} < CASE WHEN overuser THEN 0.8 ELSE 0.3 END)
                    ::INTEGER * 8)::USMALLINT AS acute_medication
          FROM (
            SELECT *, migraine AND {u("trip")} < 0.5 AS triptan
            FROM (
              SELECT *, headache AND {u("mig")} < 0.6 AS migraine
              FROM (
                SELECT pat.pkey, r.d, overuser,
                       {u("head")} < CASE WHEN treated AND r.d >= first_day
                                           THEN rate * response ELSE rate END AS headache
                FROM pat, range({DAYS}) AS r(d)
                WHERE {"" if gaps else "true OR "}{u("present")} >= missing
                   OR r.d IN (0, {DAYS - 1})
              )
            )
          )
        """
    )
    con.execute(
        f"""CREATE TEMP TABLE raw_injections AS
            SELECT printf('00000000-0000-4000-8000-%012d', pkey)::UUID AS patient_id,
                   DATE '{start}' + d::INTEGER AS "on" FROM inj"""
    )
    con.execute(
        f"""COPY (SELECT * EXCLUDE (patient_id) FROM raw_diary WHERE pkey < {SAMPLE_MAX}
                  ORDER BY pkey, "on")
            TO '{folder / "bench_sample_diary.parquet"}' (FORMAT parquet)"""
    )
    con.execute("ALTER TABLE raw_diary DROP COLUMN pkey")
    write_store(con, Store(folder))
    con.close()


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()


def load_sample(folder: Path, sample: int) -> list[object]:
    """Write the first `sample` patients of the store to the Django database; return them."""
    import uuid
    from datetime import UTC, datetime
    from datetime import time as clock

    from django.core.management import call_command
    from django.db import transaction

    from bonta.accounts.models import Role, User
    from bonta.migraine.demo import COLUMNS, _insert
    from bonta.migraine.models import DiaryEntry
    from bonta.records.models import Course, Encounter, Patient

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        DiaryEntry.objects.filter(patient__record_number__startswith="POP-").delete()
        Encounter.objects.filter(patient__record_number__startswith="POP-").delete()
        Course.objects.filter(patient__record_number__startswith="POP-").delete()
        Patient.objects.filter(record_number__startswith="POP-").delete()
    clinician = User.objects.filter(username="bench-neuro").first() or User.objects.create(
        username="bench-neuro", role=Role.CLINICIAN
    )
    con = duckdb.connect()
    ids = con.execute(
        f"SELECT pkey, patient_id FROM read_parquet('{folder / 'patients.parquet'}') "
        f"WHERE pkey < {sample} ORDER BY pkey"
    ).fetchall()
    patients = {
        pkey: Patient(
            id=uuid.UUID(pid),
            record_number=f"POP-{pkey:06d}",
            given_name="B",
            family_name="Bench",
            birth_date=date(1980, 1, 1),
        )
        for pkey, pid in ids
    }
    Patient.objects.bulk_create(patients.values())
    courses = {
        pkey: Course(patient=p, pathway="chronic_migraine", started_on=AS_OF)
        for pkey, p in patients.items()
    }
    Course.objects.bulk_create(courses.values())
    injections = con.execute(
        f"SELECT pkey, \"on\" FROM read_parquet('{folder / 'injections.parquet'}') "
        f"WHERE pkey < {sample}"
    ).fetchall()
    Encounter.objects.bulk_create(
        Encounter(
            patient=patients[pkey],
            course=courses[pkey],
            pathway="chronic_migraine",
            at=datetime.combine(on, clock(10), tzinfo=UTC),
            product="botox",
            clinician=clinician,
            status="signed",
            signed_by=clinician,
            signed_at=datetime.combine(on, clock(10), tzinfo=UTC),
        )
        for pkey, on in injections
    )
    now = datetime.now(UTC)
    rows = con.execute(
        "SELECT * EXCLUDE (pkey), pkey FROM "
        f"read_parquet('{folder / 'bench_sample_diary.parquet'}') "
        f"WHERE pkey < {sample}"
    ).fetchall()
    flags = COLUMNS[5:-3]
    by_name = DAY_FIELDS
    out = []
    for r in rows:
        v = dict(zip(by_name, r[:-1], strict=True))
        out.append(
            (
                patients[r[-1]].pk,
                v["on"],
                v["hours"],
                v["intensity"],
                v["acute_medication"],
                *(v[f] for f in flags),
                "patient",
                now,
                now,
            )
        )
    _insert(out)
    con.close()
    return [patients[k] for k in sorted(patients)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", type=Path, default=None, help="keep the generated store here")
    parser.add_argument("--gaps", action="store_true", help="forgotten days (fewer rows)")
    args = parser.parse_args()

    setup_django()
    from bonta.migraine import services
    from bonta.migraine.population import VERDICTS, load_columns, population_report
    from bonta.migraine.store import Store, refresh_store

    scratch = tempfile.TemporaryDirectory(prefix="bonta-bench-pop-")
    folder = args.store or Path(scratch.name) / "store"
    if not (folder / "days.parquet").exists():
        started = time.perf_counter()
        generate_store(folder, args.patients, args.gaps)
        print(f"generated store in {time.perf_counter() - started:.1f} s", flush=True)
    con = duckdb.connect()
    (rows,) = con.execute(
        f"SELECT count(*) FROM read_parquet('{folder / 'days.parquet'}') WHERE classes <> 0"
    ).fetchone()
    (patients,) = con.execute(
        f"SELECT count(*) FROM read_parquet('{folder / 'patients.parquet'}')"
    ).fetchone()
    con.close()

    runs = []
    result = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = population_report(folder, AS_OF)
        runs.append(time.perf_counter() - started)
    started = time.perf_counter()
    load_columns(Store(folder))
    read_s = time.perf_counter() - started
    assert result is not None

    sample = load_sample(folder, args.sample)
    started = time.perf_counter()
    summaries = [
        services.summarize_snapshot(services.load_diary_snapshot(p), AS_OF) for p in sample
    ]
    orm_s = time.perf_counter() - started
    agree = sum(
        VERDICTS[int(result.patient["verdict"][i])] is s.continuation.verdict
        for i, s in enumerate(summaries)
    )
    with tempfile.TemporaryDirectory() as refresh_dir:
        started = time.perf_counter()
        refresh_store(refresh_dir)
        refresh_s = time.perf_counter() - started

    report_s = statistics.median(runs)
    orm_all_s = orm_s / len(sample) * patients
    from django.db import connection

    report(
        f"population_report_{connection.vendor}",
        {
            "database_for_orm_path": connection.vendor,
            "patients": patients,
            "diary_rows": rows,
            "report_s_median": round(report_s, 3),
            "report_s_runs": [round(r, 3) for r in runs],
            "of_which_store_read_s": round(read_s, 3),
            "orm_sample_patients": len(sample),
            "orm_sample_s": round(orm_s, 3),
            "orm_per_patient_ms": round(orm_s / len(sample) * 1000, 2),
            "orm_extrapolated_s": round(orm_all_s, 1),
            "speedup": round(orm_all_s / report_s, 1),
            "sample_verdicts_agree": f"{agree}/{len(sample)}",
            "store_refresh_sample_s": round(refresh_s, 3),
            "store_refresh_extrapolated_s": round(refresh_s / len(sample) * patients, 1),
            "verdicts": result.verdict_counts(),
            # weeks 1–4 / 5–8 / 9–12: headache days per 28 days over complete cycle windows
            "wearing_off": json.loads(
                json.dumps([w.as_dict() for w in result.wearing_off], default=str)
            ),
            "due_for_review": len(result.due_for_review),
            "with_overuse": len(result.with_overuse),
            "load_average": os.getloadavg(),
            "cpus": os.cpu_count(),
        },
        target="report ≤ 5 s end to end; ≥ 20× the ORM path (extrapolated from the sample)",
    )
    scratch.cleanup()


if __name__ == "__main__":
    main()
