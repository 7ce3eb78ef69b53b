"""Throughput of `bonta serve` under concurrent clients: 1 client, then 20, mixed reads and writes.

Target (issue #12): 20 clients give ≥ 1.8× the throughput of 1 on PostgreSQL and ≥ 1.5× on
SQLite, p95 ≤ 150 ms at 20 clients, no errors.

    BONTA_DATA_DIR=$(mktemp -d) python -m bench.bench_load --patients 200
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonta_bench python -m bench.bench_load

The database is migrated and filled with `bonta demo` when it has fewer patients than asked.
The server is a real `bonta serve` process (gunicorn, default worker count) on a free port of
127.0.0.1 only; clients are Python threads with `http.client` and keep-alive connections. The
mix, per client in turn: the patient list, a chart (signed in with a session cookie), the API
patient list (bearer token), and every `--write-every`th step a write: an API draft of a
glabellar 20 U plan for a fresh patient (consented, fresh vial) and its sign-off. Each phase
stops after `--requests` requests or `--seconds` seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import ensure_consent, ensure_demo_database, report

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # never anything else: a load test only talks to this machine


@dataclass
class Fixtures:
    cookie: str
    token: str
    patients: list[str]  # chart reads
    writes: list[tuple[str, str]]  # (fresh patient id, fresh vial id), one per sign-off
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_write(self) -> tuple[str, str] | None:
        with self.lock:
            return self.writes.pop() if self.writes else None


def prepare(patients: int, writes: int) -> Fixtures:
    """Demo data, a signed-in session, a token, and one fresh patient + vial per write."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from bonta.accounts.models import User
    from bonta.accounts.tokens import issue_token
    from bonta.demo.clinic import ensure_demo_users
    from bonta.records import services
    from bonta.records.models import Patient

    ensure_demo_database(patients)
    ensure_demo_users()
    clinician = User.objects.filter(role="clinician", is_active=True).order_by("username").first()
    nurse = User.objects.filter(role="nurse", is_active=True).order_by("username").first()
    if clinician is None or nurse is None:
        raise SystemExit("bench_load: the demo has no clinician or no nurse")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(clinician)  # a database session, as a browser sign-in makes
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    _, token = issue_token(clinician, "bench_load")
    stamp = int(time.time())
    now = timezone.now()
    fresh = []
    for n in range(writes):
        patient = services.create_patient(
            by=clinician,
            record_number=f"LD{stamp % 100000:05d}{n:04d}",
            given_name="Load",
            family_name=f"Bench{n}",
            birth_date=now.date() - timedelta(days=365 * 40),
            sex="female",
        )
        ensure_consent(patient, nurse, "cosmetic")
        vial = services.register_vial(
            by=clinician,
            product="botox_cosmetic",
            lot=f"LOAD{stamp}{n}",
            expiry=(now + timedelta(days=300)).date(),
            size_units=Decimal(100),
            diluent_ml=Decimal("2.5"),
            reconstituted_at=now - timedelta(minutes=5),
        )
        fresh.append((str(patient.pk), str(vial.pk)))
    charts = [
        str(pk)
        for pk in Patient.objects.order_by("record_number")[:50].values_list("pk", flat=True)
    ]
    from django.db import connections

    connections.close_all()
    return Fixtures(cookie=cookie, token=token, patients=charts, writes=fresh)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(port: int, workers: int | None, threads: int | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    argv = [sys.executable, "-m", "bonta.cli", "serve", "--host", HOST, "--port", str(port)]
    if workers:
        argv += ["--workers", str(workers)]
    if threads:
        argv += ["--threads", str(threads)]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # noqa: S603
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    for line in process.stdout:
        if line.startswith(b"Bonta is serving on"):
            break
        if time.monotonic() > deadline:
            break
    else:
        raise SystemExit("bench_load: the server did not start")
    # Wait until a worker answers (bounded): the banner comes as the workers fork.
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            time.sleep(0.05)
    raise SystemExit("bench_load: the server does not answer /healthz")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies.append(ms)
            self.by_kind.setdefault(kind, []).append(ms)
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1


class Session:
    """One client: one keep-alive connection, the session cookie and the bearer token."""

    def __init__(self, port: int, fixtures: Fixtures, tally: Tally) -> None:
        self.port, self.fixtures, self.tally = port, fixtures, tally
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)

    def call(self, kind: str, method: str, path: str, body: Any = None, api: bool = False) -> Any:
        headers = {"Host": HOST}
        if api:
            headers["Authorization"] = f"Bearer {self.fixtures.token}"
        else:
            headers["Cookie"] = self.fixtures.cookie
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        error = None
        data: Any = None
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
            if response.status >= 400:
                error = f"{method} {path.split('/')[1]} {response.status}"
            elif api and raw:
                data = json.loads(raw)
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
        except (OSError, http.client.HTTPException) as failure:
            error = f"{method} {type(failure).__name__}"
            self.connection.close()
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        self.tally.add(kind, (time.perf_counter() - start) * 1000, error)
        return data

    def write(self) -> int:
        """Draft a glabellar 20 U plan and sign it: two requests (or none when none are left)."""
        fresh = self.fixtures.next_write()
        if fresh is None:
            return 0
        patient_id, vial_id = fresh
        from datetime import UTC, datetime

        draft = self.call(
            "draft",
            "POST",
            "/api/encounters",
            {
                "patient_id": patient_id,
                "pathway": "cosmetic",
                "product": "botox_cosmetic",
                "at": datetime.now(UTC).isoformat(),
                "protocol": "glabellar_lines",
                "vial_id": vial_id,
            },
            api=True,
        )
        if draft is None:
            return 1
        self.call("sign", "POST", f"/api/encounters/{draft['id']}/sign", {}, api=True)
        return 2


def phase(
    port: int, fixtures: Fixtures, clients: int, requests: int, seconds: float, write_every: int
) -> dict[str, Any]:
    tally = Tally()
    budget = [requests]
    budget_lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def take(n: int) -> bool:
        with budget_lock:
            if budget[0] <= 0:
                return False
            budget[0] -= n
            return True

    def client(number: int) -> None:
        session = Session(port, fixtures, tally)
        step = number  # clients start at different points of the mix
        while time.monotonic() < deadline:
            step += 1
            if write_every and step % write_every == 0:
                if not take(2):
                    break
                session.write()
                continue
            if not take(1):
                break
            kind = step % 3
            if kind == 0:
                session.call("list", "GET", "/patients/")
            elif kind == 1:
                chart = fixtures.patients[step % len(fixtures.patients)]
                session.call("chart", "GET", f"/patients/{chart}/")
            else:
                session.call("api_list", "GET", "/api/patients", api=True)
        session.connection.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    samples = sorted(tally.latencies)

    def pct(p: float, of: list[float] = samples) -> float:
        return round(of[min(len(of) - 1, int(len(of) * p))], 1) if of else 0.0

    return {
        "clients": clients,
        "requests": len(samples),
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(samples) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(samples), 1) if samples else 0.0,
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "by_kind_p50_p95_ms": {
            kind: [round(statistics.median(ms), 1), pct(0.95, sorted(ms))]
            for kind, ms in sorted(tally.by_kind.items())
        },
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=1500, help="per phase, at most")
    parser.add_argument("--seconds", type=float, default=40, help="per phase, at most")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--write-every", type=int, default=10, help="one write step in N")
    parser.add_argument("--workers", type=int, default=None, help="bonta serve --workers")
    parser.add_argument("--threads", type=int, default=None, help="bonta serve --threads")
    args = parser.parse_args()
    per_phase_writes = args.requests // args.write_every + args.clients
    fixtures = prepare(args.patients, 2 * per_phase_writes)
    from django.db import connection

    vendor = connection.vendor
    port = free_port()
    server = start_server(port, args.workers, args.threads)
    try:
        phase(port, fixtures, 2, 60, 10, args.write_every)  # warm every worker up (untimed)
        one = phase(port, fixtures, 1, args.requests, args.seconds, args.write_every)
        many = phase(port, fixtures, args.clients, args.requests, args.seconds, args.write_every)
    finally:
        server.terminate()
        server.wait(60)
    ratio = round(many["req_per_s"] / one["req_per_s"], 2) if one["req_per_s"] else 0.0
    target = 1.8 if vendor == "postgresql" else 1.5
    return report(
        f"load_{vendor}",
        {
            "database": vendor,
            "cores": os.cpu_count(),
            "workers": args.workers or "default (2 x cores)",
            "threads": args.threads or 1,
            "one_client": one,
            f"{args.clients}_clients": many,
            "throughput_ratio": ratio,
            "meets_target": ratio >= target
            and many["p95_ms"] <= 150
            and one["errors"] + many["errors"] == 0,
        },
        target=f"{args.clients} clients ≥ {target}× one client; p95 ≤ 150 ms; 0 errors",
    )


if __name__ == "__main__":
    main()
