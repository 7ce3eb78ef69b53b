"""Durability under SIGKILL: no acknowledged write is ever lost, the database and the audit
chain stay whole.

    python -m bench.durability                       # SQLite in a scratch folder, 5 kills
    python -m bench.durability --kills 3 --seconds 60 --seed 7
    python -m bench.durability --postgres postgres://postgres@127.0.0.1:5432/bonta_durability

A real `bonta serve` (gunicorn, `--workers 2`) on 127.0.0.1 only, under a bounded write load
from `--clients` threads (default 4), each in turn: register a patient; record an adverse event
for a seeded patient; register a reconstituted vial, draft a glabellar 20 U plan on it for a
seeded (consented) patient and sign it. `--kills` times (default 5), at a random moment
(`--seed`), the whole server process group gets SIGKILL — the arbiter and every worker, mid
request — and the server is started again on the same port. The clients keep going through the
outages (a refused or cut connection is simply not an acknowledgement). The load stops after
`--seconds` of load time or `--writes` write requests, whichever comes first; then, with the
server stopped:

- every acknowledged write (HTTP 2xx received by the client, with the id returned) is in the
  database: each patient, adverse event, vial and draft by id, each sign-off as a signed
  encounter with its administrations;
- SQLite: `PRAGMA integrity_check` answers ok;
- the audit chain verifies: `python -m bonta.cli audit verify` exits 0.

It prints one JSON line (acknowledged and found per kind, kills, outcome) and exits 0 when all
three hold, 1 otherwise. Every wait is bounded; nothing listens beyond 127.0.0.1.

`--postgres URL` runs on PostgreSQL instead: the database named in the URL is dropped and
created fresh, so its name must contain "durability" (a guard against pointing this at a real
clinic's database); it is dropped again at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # never anything else
STARTUP = 120.0  # seconds: a bound on waiting for the server, not a speed claim
REQUEST_TIMEOUT = 30.0
POOL = 24  # seeded, consented patients the sign-offs and adverse events are spread over
# One same-day glabellar session per patient after the first raises retreatment_too_soon; the
# clinician overrides it (a coded reason and a note), so only a crash can stop a sign-off. An
# override of a finding the check does not raise is refused, so each sign-off is tried as it
# stands first and again with the override when that is refused.
OVERRIDES = [
    {
        "finding": "retreatment_too_soon",
        "reason": "documented_clinical_need",
        "note": "Durability test: repeated sessions on one day",
    }
]
SIGNS_PER_PATIENT = 15  # 15 × 20 U = 300 U, under the 400 U / 3 months limit (products.toml)


# ---- the database: fresh, migrated, seeded ---------------------------------------------------


def fresh_postgres(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if "durability" not in name:
        raise SystemExit(
            f"durability: refusing to drop and recreate {name!r}: "
            "the database name must contain 'durability'"
        )
    with psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=10) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_postgres(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=10) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))


@dataclass
class Seed:
    token: str
    pool: list[str]  # consented patient ids


def seed() -> Seed:
    """Migrate; a clinician with an API token, a nurse to witness consents, POOL patients with a
    current cosmetic consent. In this process, before the server starts; connections closed."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from bonta.accounts.models import Role, User
    from bonta.accounts.tokens import issue_token
    from bonta.consent import demo
    from bonta.consent import services as consent
    from bonta.records import services

    call_command("migrate", interactive=False, verbosity=0)
    clinician = User.objects.create(username="dr_durable", role=Role.CLINICIAN)
    nurse = User.objects.create(username="nurse_durable", role=Role.NURSE)
    _, token = issue_token(clinician, "durability")
    consent.install_shipped_documents()
    pool = []
    for n in range(POOL):
        patient = services.create_patient(
            by=clinician,
            record_number=f"POOL-{n:03d}",
            given_name="Durable",
            family_name=f"Pool{n}",
            birth_date=datetime(1980, 1, 1, tzinfo=UTC).date(),
            sex="female",
        )
        consent.sign_consent(
            patient,
            kind="cosmetic",
            typed_name=f"Durable Pool{n}",
            signature=demo.demo_signature(),
            by=nurse,
            channel="tablet",
        )
        pool.append(str(patient.pk))
    connections.close_all()
    return Seed(token=token, pool=pool)


# ---- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    """`bonta serve --workers 2` in a session of its own (its process group is what is killed),
    once a worker answers /healthz."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    argv = [sys.executable, "-m", "bonta.cli", "serve", "--host", HOST, "--port", str(port)]
    log = open(server_log(), "ab")  # noqa: SIM115 - the child writes to it; closed here
    with log:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [*argv, "--workers", "2"],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"durability: the server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    kill_group(process)
    raise SystemExit("durability: the server did not answer /healthz in time")


def server_log() -> Path:
    return Path(os.environ["BONTA_DATA_DIR"]) / "server.log"


def server_errors() -> list[str]:
    """The server's log lines about errors (a 5xx answer), the last 40, for the report."""
    try:
        lines = server_log().read_text(errors="replace").splitlines()
    except OSError:
        return []
    keep = ("Traceback", "Error", "error", "  File ", "WARNING", "CRITICAL")
    return [line for line in lines if any(k in line for k in keep)][-40:]


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the arbiter and every worker at once; wait (bounded) until all are gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)  # anyone left in the group?
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise SystemExit("durability: server processes survived SIGKILL")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        kill_group(process)


# ---- the load ----------------------------------------------------------------------------------


@dataclass
class Acks:
    """What the server acknowledged (2xx and an id), by kind; and what it could not answer."""

    ids: dict[str, list[str]] = field(
        default_factory=lambda: {k: [] for k in ("patient", "adverse_event", "vial", "draft")}
    )
    signed: list[str] = field(default_factory=list)
    unanswered: int = 0  # sent, but cut or timed out: not acknowledged, maybe applied
    refused_connections: int = 0  # the server was down: nothing sent
    refused: dict[str, int] = field(default_factory=dict)  # 4xx/5xx answers, by status
    writes: int = 0
    signs: dict[str, int] = field(default_factory=dict)  # sign-offs tried, by patient
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """One writer. A connection per request: gunicorn's sync workers close it after each answer
    anyway, and a fresh one never carries a half-read answer across a kill."""

    def __init__(self, port: int, token: str, acks: Acks) -> None:
        self.port, self.token, self.acks = port, token, acks

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The answer's JSON for a 2xx; None for anything else (counted)."""
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.connect()
        except OSError:  # refused: the server is down or not yet listening again
            connection.close()
            with self.acks.lock:
                self.acks.refused_connections += 1
            time.sleep(0.1)
            return None
        with self.acks.lock:
            self.acks.writes += 1
        try:
            connection.request("POST", path, json.dumps(body), headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):  # cut mid-request or mid-answer
            with self.acks.lock:
                self.acks.unanswered += 1
            return None
        finally:
            connection.close()
        if 200 <= response.status < 300:
            answer: dict[str, Any] = json.loads(raw)
            return answer
        with self.acks.lock:
            key = str(response.status)
            self.acks.refused[key] = self.acks.refused.get(key, 0) + 1
        return None

    def ack(self, kind: str, answer: dict[str, Any] | None) -> str | None:
        if answer is None:
            return None
        with self.acks.lock:
            self.acks.ids[kind].append(answer["id"])
        return str(answer["id"])


def client_loop(
    number: int, port: int, seeded: Seed, acks: Acks, budget: Callable[[], bool]
) -> None:
    client = Client(port, seeded.token, acks)
    rng = random.Random(number)
    step = 0
    while budget():
        step += 1
        kind = step % 3
        now = datetime.now(UTC)
        if kind == 0:
            client.ack(
                "patient",
                client.post(
                    "/api/patients",
                    {
                        "record_number": f"DUR-{number}-{step}",
                        "given_name": "Written",
                        "family_name": f"Client{number}",
                        "birth_date": "1975-06-01",
                    },
                ),
            )
        elif kind == 1:
            patient = rng.choice(seeded.pool)
            body = {"type": "bruising", "onset": now.date().isoformat(), "severity": "mild"}
            client.ack(
                "adverse_event", client.post(f"/api/patients/{patient}/adverse-events", body)
            )
        else:
            with acks.lock:  # shared by the clients: the limit is per patient
                open_patients = [p for p, n in acks.signs.items() if n < SIGNS_PER_PATIENT]
                if not open_patients:
                    continue
                patient = rng.choice(open_patients)
                acks.signs[patient] += 1  # counted when tried: an unanswered one may have signed
            vial = client.ack(
                "vial",
                client.post(
                    "/api/vials",
                    {
                        "product": "botox_cosmetic",
                        "lot": f"DUR{number}{step}",
                        "expiry": (now + timedelta(days=300)).date().isoformat(),
                        "size_units": "100",
                        "diluent_ml": "2.5",
                        "reconstituted_at": (now - timedelta(minutes=5)).isoformat(),
                    },
                ),
            )
            if vial is None:
                continue
            draft = client.ack(
                "draft",
                client.post(
                    "/api/encounters",
                    {
                        "patient_id": patient,
                        "pathway": "cosmetic",
                        "product": "botox_cosmetic",
                        "at": now.isoformat(),
                        "protocol": "glabellar_lines",  # 5 × 4 U = 20 U
                        "vial_id": vial,
                    },
                ),
            )
            if draft is None:
                continue
            signed = client.post(f"/api/encounters/{draft}/sign", {"overrides": []})
            if signed is None:
                signed = client.post(f"/api/encounters/{draft}/sign", {"overrides": OVERRIDES})
            if signed is not None and signed.get("status") == "signed":
                with acks.lock:
                    acks.signed.append(draft)


# ---- the checks --------------------------------------------------------------------------------


def found(acks: Acks) -> tuple[dict[str, int], dict[str, int], str]:
    """How many acknowledged writes are in the database, by kind; the ones unacknowledged but
    present anyway (requests cut after the commit); SQLite's integrity check ("ok")."""
    from django.db import connection
    from django.db.models import Sum

    from bonta.records.models import Administration, AdverseEvent, Encounter, Patient, Vial

    models = {"patient": Patient, "adverse_event": AdverseEvent, "vial": Vial, "draft": Encounter}
    present = {
        kind: models[kind].objects.filter(pk__in=ids).count() for kind, ids in acks.ids.items()
    }
    present["signed"] = Encounter.objects.filter(pk__in=acks.signed, status="signed").count()
    # Each sign-off wrote the plan's administrations: the glabellar 5 × 4 U, 20 U in all.
    present["signed_with_20_units_administered"] = (
        Administration.objects.filter(encounter_id__in=acks.signed)
        .values("encounter_id")
        .annotate(total=Sum("units"))
        .filter(total=20)
        .count()
    )
    extra = {
        "patients": Patient.objects.filter(record_number__startswith="DUR-").count()
        - len(acks.ids["patient"]),
        "signed": Encounter.objects.filter(status="signed").count() - len(acks.signed),
    }
    integrity = "not SQLite"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            integrity = ", ".join(str(row[0]) for row in cursor.fetchall())
    connection.close()
    return present, extra, integrity


def audit_verify() -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "bonta.cli", "audit", "verify"],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, (done.stdout + done.stderr).strip()


# ---- the run -----------------------------------------------------------------------------------


def run(
    kills: int, clients: int, seconds: float, writes: int, rng: random.Random
) -> dict[str, Any]:
    seeded = seed()
    from django.db import connection

    vendor = connection.vendor
    port = free_port()
    acks = Acks(signs=dict.fromkeys(seeded.pool, 0))
    lock = threading.Lock()
    server = start_server(port)
    load_until = [time.monotonic() + seconds]  # moved on by each outage

    def budget() -> bool:
        with lock:
            return time.monotonic() < load_until[0] and acks.writes < writes

    threads = [
        threading.Thread(target=client_loop, args=(n, port, seeded, acks, budget), daemon=True)
        for n in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    done_kills = 0
    try:
        # Kill at random moments spread over the load time (between a fifth and the whole of
        # each slice), so some fall mid-request, some mid-commit, some between requests.
        for _ in range(kills):
            slice_ = seconds / (kills + 1)
            time.sleep(rng.uniform(slice_ / 5, slice_))
            if not budget():
                break
            down = time.monotonic()
            kill_group(server)
            done_kills += 1
            server = start_server(port)
            with lock:
                load_until[0] += time.monotonic() - down  # outages do not eat the load time
        for thread in threads:
            thread.join(seconds + STARTUP)
    finally:
        stop_server(server)
    elapsed = time.monotonic() - started
    present, extra, integrity = found(acks)
    audit_code, audit_line = audit_verify()
    acknowledged = {kind: len(ids) for kind, ids in acks.ids.items()}
    acknowledged["signed"] = len(acks.signed)
    acknowledged["signed_with_20_units_administered"] = len(acks.signed)
    ok = (
        acknowledged == present
        and integrity in ("ok", "not SQLite")
        and audit_code == 0
        and done_kills == kills
    )
    return {
        "benchmark": "durability",
        "database": vendor,
        "kills": done_kills,
        "kills_asked": kills,
        "clients": clients,
        "seconds": round(elapsed, 1),
        "write_requests": acks.writes,
        "acknowledged": acknowledged,
        "found": present,
        "unacknowledged_but_present": extra,
        "unanswered_requests": acks.unanswered,
        "refused_connections": acks.refused_connections,
        "refused_answers": acks.refused,
        "sqlite_integrity_check": integrity,
        "audit_verify": {"exit": audit_code, "line": audit_line},
        "ok": ok,
        **({"server_errors": server_errors()} if any(k >= "500" for k in acks.refused) else {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs of the server (1-20)")
    parser.add_argument("--clients", type=int, default=4, help="writing threads (1-16)")
    parser.add_argument("--seconds", type=float, default=30, help="load time, outages excluded")
    parser.add_argument("--writes", type=int, default=3000, help="write requests at most")
    parser.add_argument("--seed", type=int, default=None, help="for the kill moments")
    parser.add_argument("--postgres", metavar="URL", help="a fresh PostgreSQL database")
    parser.add_argument("--keep", action="store_true", help="keep the data folder / database")
    args = parser.parse_args(argv)
    if not 1 <= args.kills <= 20 or not 1 <= args.clients <= 16:
        parser.error("--kills must be 1-20 and --clients 1-16")
    if not 1 <= args.seconds <= 600 or not 1 <= args.writes <= 100_000:
        parser.error("--seconds must be 1-600 and --writes 1-100000")
    seed_value = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    data_dir = Path(tempfile.mkdtemp(prefix="bonta-durability-"))
    os.environ["BONTA_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    if args.postgres:
        fresh_postgres(args.postgres)
        os.environ["DATABASE_URL"] = args.postgres
    try:
        result = run(args.kills, args.clients, args.seconds, args.writes, random.Random(seed_value))
    finally:
        if args.postgres and not args.keep:
            drop_postgres(args.postgres)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    result["seed"] = seed_value
    if args.keep:
        result["data_dir"] = str(data_dir)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
