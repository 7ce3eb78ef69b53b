"""`make bench`: every benchmark in bench/, small sizes, then a results table.

    python -m bench.run                     # SQLite in a scratch folder, PostgreSQL if reachable
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonta_bench python -m bench.run
    python -m bench.run --only load         # benchmarks whose name contains "load"

Each benchmark runs as its own process with a time limit. SQLite runs use one scratch data
folder (the demo clinic is generated once and shared); PostgreSQL runs use
BENCH_DATABASE_URL (default a local `bonta_bench` database, created when missing) and are
skipped, with a note in the table, when that server does not answer. The sizes are small so
the whole run takes minutes; each benchmark's own `--help` gives the full-size defaults the
issue targets were set for. The table (markdown, with the core count and load average, which
say how comparable the figures are) goes to bench/results/RESULTS.md. Benchmarks report;
they never assert.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results")
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/bonta_bench"
PATIENTS = "300"  # the shared demo clinic's size for this run


@dataclass(frozen=True)
class Bench:
    name: str  # module in bench/
    argv: tuple[str, ...]
    engines: tuple[str, ...]  # "sqlite", "postgresql"
    limit: int = 600  # seconds


BENCHES = (
    # The demo-clinic benchmarks first: they find the demo's showcase patient (BN0000001), which
    # must be the first patient of the shared database.
    Bench("bench_chart", ("--patients", PATIENTS, "--runs", "30"), ("sqlite", "postgresql")),
    Bench("bench_sign_encounter", ("--patients", PATIENTS, "--runs", "30"), ("postgresql",)),
    # Its own two fresh SQLite data folders (old commit and today's code, side by side).
    Bench("bench_sign_side_by_side", ("--patients", "50", "--runs", "100"), ("sqlite",), 900),
    Bench(
        "bench_recall",
        ("--patients", PATIENTS, "--runs", "10", "--days", "30"),
        ("sqlite", "postgresql"),
    ),
    Bench(
        "bench_load",
        ("--patients", PATIENTS, "--requests", "1500", "--seconds", "40"),
        ("sqlite", "postgresql"),
    ),
    Bench("bench_fhir_export", ("--patients", PATIENTS), ("sqlite", "postgresql")),
    Bench(
        "bench_fhir_export",
        ("--patients", PATIENTS, "--group", "chronic-migraine"),
        ("sqlite", "postgresql"),
    ),
    Bench("bench_fhir_import", ("--patients", PATIENTS, "--runs", "3"), ("sqlite", "postgresql")),
    Bench("bench_audit_append", ("--seconds", "5"), ("sqlite", "postgresql")),
    Bench("bench_safety_check", (), ("sqlite",)),  # pure domain code: no database
    Bench("bench_diary_chart", (), ("sqlite", "postgresql")),
    Bench(
        "bench_population",
        ("--patients", "2000", "--sample", "50", "--repeat", "1"),
        ("sqlite",),
    ),
)


def bench_key(url: str) -> Path:
    """Where the audit key of the benchmark database at `url` is kept (not in git)."""
    from urllib.parse import urlsplit

    name = urlsplit(url).path.lstrip("/") or "postgres"
    return RESULTS / f".{name}-audit-key"


def postgres_ready(url: str) -> str | None:
    """None when the database answers (created if missing), else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        return (
            f"PostgreSQL at {parts.hostname}:{parts.port} did not answer ({type(error).__name__})"
        )
    return None


def run_one(bench: Bench, engine: str, env: dict[str, str]) -> tuple[list[dict[str, Any]], str]:
    """The result rows a benchmark printed (JSON lines with a "benchmark" key), and a note."""
    started = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter, our own modules
            [sys.executable, "-m", f"bench.{bench.name}", *bench.argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=bench.limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [], f"stopped after {bench.limit} s"
    rows = []
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and "benchmark" in row:
                rows.append(row)
    note = f"{time.monotonic() - started:.0f} s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        note = f"exit {done.returncode}: {last}"
    return rows, note


def figures(row: dict[str, Any]) -> str:
    """The headline numbers of one result row, whatever the benchmark's shape."""
    if "throughput_ratio" in row:
        one = row["one_client"]
        many = next(v for k, v in row.items() if k.endswith("_clients") and isinstance(v, dict))
        return (
            f"1 client: {one['req_per_s']} req/s, p50 {one['p50_ms']} / p95 {one['p95_ms']} / "
            f"p99 {one['p99_ms']} ms, {one['errors']} errors; {many['clients']} clients: "
            f"{many['req_per_s']} req/s, p50 {many['p50_ms']} / p95 {many['p95_ms']} / "
            f"p99 {many['p99_ms']} ms, {many['errors']} errors; "
            f"**ratio {row['throughput_ratio']}×**"
        )
    if "ratio_p50_new_over_old" in row:  # bench_sign_side_by_side
        old, new = row["old"], row["new"]
        return (
            f"draft + sign p50: {row['old_commit']} {old['draft_and_sign']['p50_ms']} ms "
            f"({old['served_by']}), today {new['draft_and_sign']['p50_ms']} ms "
            f"({new['served_by']}); draft {old['draft']['p50_ms']} → {new['draft']['p50_ms']} ms, "
            f"sign {old['sign']['p50_ms']} → {new['sign']['p50_ms']} ms; "
            f"{new['signed']} signed each, {old['error_count'] + new['error_count']} errors; "
            f"**ratio {row['ratio_p50_new_over_old']}**"
        )
    keys = [k for k in row if k.endswith(("_ms", "_s", "ratio")) or k == "speedup"]
    shown = [f"{k} {round(row[k], 2)}" for k in keys if isinstance(row[k], int | float)]
    nested = [
        f"{name}: median {value['median_ms']} ms"
        for name, value in row.items()
        if isinstance(value, dict) and "median_ms" in value
    ]
    return (
        "; ".join(shown + nested)
        or json.dumps(
            {k: v for k, v in row.items() if k not in ("benchmark", "target", "load_average")}
        )[:300]
    )


def table(results: list[tuple[Bench, str, list[dict[str, Any]], str]], started: str) -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` (python -m bench.run) on {started}: {os.cpu_count()} cores, load average "
        f"{load} at the end, Python {platform.python_version()}, {platform.machine()}. Small sizes "
        "(see bench/run.py); each benchmark's docstring gives its full-size target. A load "
        "average above the core count means other work shared the machine: compare with care.",
        "",
        "| benchmark | database | figures | target | run |",
        "| --- | --- | --- | --- | --- |",
    ]
    for bench, engine, rows, note in results:
        if not rows:
            lines.append(f"| {bench.name} | {engine} | — | — | {note} |")
        for row in rows:
            lines.append(
                f"| {row['benchmark']} | {engine} | {figures(row)} | {row.get('target', '')} | "
                f"{note}; load {', '.join(f'{x:.2f}' for x in row.get('load_average', []))} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run benchmarks whose name contains this")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    postgres = os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES)
    postgres_problem = "--no-postgres" if args.no_postgres else postgres_ready(postgres)
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    results = []
    with tempfile.TemporaryDirectory(prefix="bonta-bench-") as scratch:
        for bench in BENCHES:
            if args.only not in bench.name:
                continue
            for engine in bench.engines:
                env = {**base, "BONTA_DATA_DIR": scratch}
                if engine == "postgresql":
                    if postgres_problem:
                        results.append((bench, engine, [], f"skipped: {postgres_problem}"))
                        continue
                    env["DATABASE_URL"] = postgres
                    # The PostgreSQL database outlives this run's scratch folder: its audit
                    # events are marked with a key that must outlive it too, or the next run's
                    # sealer (new key) reports them as changed.
                    env["BONTA_AUDIT_KEY_FILE"] = str(bench_key(postgres))
                else:
                    env["DATABASE_URL"] = f"sqlite:///{Path(scratch) / 'bonta.sqlite3'}"
                print(f"bench: {bench.name} on {engine} …", flush=True)
                rows, note = run_one(bench, engine, env)
                results.append((bench, engine, rows, note))
                print(f"bench: {bench.name} on {engine}: {len(rows)} result(s), {note}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    text = table(results, started)
    (RESULTS / "RESULTS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
