"""Draft + sign over the API (glabellar 20 U), today's code against the code of issue #12's day.

Target (issue #12, item 2): the p50 of draft + sign at most half of the old code's, measured
side by side in one run. "Old" is commit 2f17de1 (when the issue was filed: draft 9.3 ms,
draft + sign 27.7 ms).

    python -m bench.bench_sign_side_by_side --runs 200
    python -m bench.bench_sign_side_by_side --old 2f17de1 --patients 100 --runs 100

What it does: exports the old commit with `git archive` into a temp folder (the repository is
not touched), gives each version its own fresh SQLite data folder, migrates it and loads a demo
clinic (`bonta_demo`) with that version's own code (PYTHONPATH=<tree>/src), adds a clinician
with an API bearer token (`issue_token`, as `bonta token` makes one in both versions) and one
fresh consented patient and reconstituted vial per run, then starts each version's own server
the way its README says (`bonta serve`: waitress in the old code, gunicorn today) on a free
port of 127.0.0.1 and alternates draft + sign requests against the two (which goes first
alternates too), one client, keep-alive. It prints p50/p95 of draft, sign and draft + sign for
each and the ratio new / old.

The old code's server needs waitress (not a dependency any more): set BENCH_OLD_SITE to a
folder holding it (`pip install --target DIR waitress==3.0.2`); without it the old code is
served by today's gunicorn instead, and the result says so.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # a benchmark only talks to this machine
OLD = "2f17de1"

# Run with a version's own code (PYTHONPATH=<tree>/src): migrate, demo, a clinician's token and
# one fresh consented patient + reconstituted vial per run; prints them as JSON. Uses only
# services both versions have (create_patient, register_vial, sign_consent, issue_token).
PREPARE = r"""
import json, sys, time
from datetime import timedelta
from decimal import Decimal
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
from bonta.accounts.models import User
from bonta.accounts.tokens import issue_token
from bonta.consent import demo, services as consent
from bonta.records import services

patients, runs = int(sys.argv[1]), int(sys.argv[2])
call_command("migrate", interactive=False, verbosity=0)
if patients:
    call_command("bonta_demo", patients=patients, no_progress=True, stdout=open("/dev/null", "w"))
clinician = User(username="bench_sbs_clinician", role="clinician")
clinician.set_unusable_password()
clinician.save()
nurse = User(username="bench_sbs_nurse", role="nurse")
nurse.set_unusable_password()
nurse.save()
_, key = issue_token(clinician, "bench_sign_side_by_side")
consent.install_shipped_documents()
now = timezone.now()
stamp = int(time.time())
writes = []
for n in range(runs):
    patient = services.create_patient(
        by=clinician, record_number=f"SB{stamp % 100000:05d}{n:04d}", given_name="Side",
        family_name=f"Bench{n}", birth_date=now.date() - timedelta(days=365 * 40), sex="female",
    )
    consent.sign_consent(
        patient, kind="cosmetic", typed_name=f"Side Bench{n}", signature=demo.demo_signature(),
        by=nurse, channel="tablet",
    )
    vial = services.register_vial(
        by=clinician, product="botox_cosmetic", lot=f"SB{stamp}{n}",
        expiry=(now + timedelta(days=300)).date(), size_units=Decimal(100),
        diluent_ml=Decimal("2.5"), reconstituted_at=now - timedelta(minutes=5),
    )
    writes.append([str(patient.pk), str(vial.pk)])
print(json.dumps({"token": key, "writes": writes}))
"""


@dataclass
class Version:
    name: str
    tree: Path
    data: Path
    extra_path: str = ""
    served_by: str = ""
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    token: str = ""
    writes: list[list[str]] = field(default_factory=list)
    draft_ms: list[float] = field(default_factory=list)
    sign_ms: list[float] = field(default_factory=list)
    both_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    connection: http.client.HTTPConnection | None = None

    def env(self) -> dict[str, str]:
        path = str(self.tree / "src") + (os.pathsep + self.extra_path if self.extra_path else "")
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # fresh SQLite
        return {
            **env,
            "PYTHONPATH": path,
            "BONTA_DATA_DIR": str(self.data),
            "DJANGO_SETTINGS_MODULE": "bonta.settings",
        }


def export_old(commit: str, into: Path) -> Path:
    """The old commit's files (git archive: no worktree, the repository is left as it is)."""
    into.mkdir(parents=True)
    archive = subprocess.run(  # noqa: S603 - fixed arguments
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit],  # noqa: S607
        check=True,
        capture_output=True,
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)  # noqa: S603,S607
    return into


def prepare(version: Version, patients: int, runs: int) -> None:
    version.data.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "-c", PREPARE, str(patients), str(runs)],
        env=version.env(),
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=version.tree,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"bench_sign_side_by_side: preparing {version.name} failed:\n{done.stderr}"
        )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    version.token, version.writes = found["token"], found["writes"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def has_waitress(version: Version) -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", "import waitress"], env=version.env(), capture_output=True
    )
    return probe.returncode == 0


def start(version: Version, old: bool) -> None:
    version.port = free_port()
    argv = [sys.executable, "-m", "bonta.cli", "serve", "--host", HOST, "--port", str(version.port)]
    version.served_by = "bonta serve (" + ("waitress" if old else "gunicorn") + ")"
    if old and not has_waitress(version):
        # The old `bonta serve` imports waitress; serve its WSGI application with gunicorn.
        argv = [
            sys.executable, "-m", "gunicorn", "bonta.wsgi:application",
            "--bind", f"{HOST}:{version.port}", "--workers", "1", "--threads", "4",
        ]  # fmt: skip
        version.served_by = "gunicorn bonta.wsgi (waitress not installed: set BENCH_OLD_SITE)"
    version.process = subprocess.Popen(  # noqa: S603 - fixed arguments
        argv, env=version.env(), cwd=version.tree,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if version.process.poll() is not None:
            raise SystemExit(f"bench_sign_side_by_side: the {version.name} server exited")
        try:
            probe = http.client.HTTPConnection(HOST, version.port, timeout=5)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                probe.close()
                version.connection = http.client.HTTPConnection(HOST, version.port, timeout=30)
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"bench_sign_side_by_side: the {version.name} server does not answer")


def call(version: Version, path: str, body: dict[str, Any]) -> tuple[float, Any]:
    assert version.connection is not None
    headers = {
        "Host": HOST,
        "Authorization": f"Bearer {version.token}",
        "Content-Type": "application/json",
    }
    started = time.perf_counter()
    version.connection.request("POST", path, body=json.dumps(body), headers=headers)
    response = version.connection.getresponse()
    raw = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status >= 400:
        version.errors.append(f"{path.rsplit('/', 1)[-1]} {response.status}: {raw[:200]!r}")
        return elapsed, None
    return elapsed, json.loads(raw)


def draft_and_sign(version: Version, timed: bool = True) -> None:
    patient_id, vial_id = version.writes.pop()
    body = {
        "patient_id": patient_id,
        "pathway": "cosmetic",
        "product": "botox_cosmetic",
        "at": datetime.now(UTC).isoformat(),
        "protocol": "glabellar_lines",
        "vial_id": vial_id,
    }
    draft_ms, draft = call(version, "/api/encounters", body)
    if draft is None:
        return
    sign_ms, signed = call(version, f"/api/encounters/{draft['id']}/sign", {})
    if signed is None or signed.get("status") != "signed":
        return
    if timed:
        version.draft_ms.append(draft_ms)
        version.sign_ms.append(sign_ms)
        version.both_ms.append(draft_ms + sign_ms)


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"p50_ms": 0.0, "p95_ms": 0.0}
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=OLD, help="the commit to compare with")
    parser.add_argument("--patients", type=int, default=100, help="demo patients per version")
    parser.add_argument("--runs", type=int, default=200, help="timed draft + sign per version")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bonta-sign-sbs-"))
    old = Version("old", export_old(args.old, scratch / "old"), scratch / "old-data")
    old.extra_path = os.environ.get("BENCH_OLD_SITE", "")
    new = Version("new", ROOT, scratch / "new-data")
    versions = (old, new)
    try:
        for version in versions:
            print(f"preparing {version.name} ({version.tree})…", flush=True)
            prepare(version, args.patients, args.runs + args.warmup)
        for version in versions:
            start(version, old=version is old)
        for _ in range(args.warmup):
            for version in versions:
                draft_and_sign(version, timed=False)
        for n in range(args.runs):
            for version in versions if n % 2 == 0 else reversed(versions):
                draft_and_sign(version)
    finally:
        for version in versions:
            if version.connection is not None:
                version.connection.close()
            if version.process is not None:
                version.process.terminate()
                try:
                    version.process.wait(30)
                except subprocess.TimeoutExpired:
                    version.process.kill()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    result: dict[str, Any] = {"old_commit": args.old, "runs": args.runs}
    for version in versions:
        result[version.name] = {
            "served_by": version.served_by,
            "draft": stats(version.draft_ms),
            "sign": stats(version.sign_ms),
            "draft_and_sign": stats(version.both_ms),
            "signed": len(version.both_ms),
            "errors": version.errors[:5],
            "error_count": len(version.errors),
        }
    old_p50 = result["old"]["draft_and_sign"]["p50_ms"]
    new_p50 = result["new"]["draft_and_sign"]["p50_ms"]
    result["ratio_p50_new_over_old"] = round(new_p50 / old_p50, 3) if old_p50 else None
    result["sign_ratio_p50_new_over_old"] = (
        round(result["new"]["sign"]["p50_ms"] / result["old"]["sign"]["p50_ms"], 3)
        if result["old"]["sign"]["p50_ms"]
        else None
    )
    from bench.common import report

    return report(
        "sign_side_by_side",
        result,
        "draft + sign p50 (glabellar 20 U, API) at most half of 2f17de1's, side by side",
    )


if __name__ == "__main__":
    main()
