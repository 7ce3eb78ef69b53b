"""`bonta serve` as a real process: several gunicorn workers, a busy port, a clean stop.

SQLite on a temporary data directory whatever the suite runs on: the server process migrates
its own database, which must not be the test database pytest-django manages.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from bonta.cli import main

ROOT = Path(__file__).resolve().parents[2]
STARTUP = 120.0  # seconds: a bound on the wait, not a speed claim (migrations run first)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["BONTA_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT / "src")
    return {**env, **(extra or {})}


def serve(data_dir: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "bonta.cli", "serve", *argv],
        env=environment(data_dir, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: stop() ends the workers with it
    )


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    banner: str


def children(pid: int) -> set[int]:
    """Process ids whose parent is `pid` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.add(int(entry.name))
    return found


def start(data_dir: Path, *argv: str, env: dict[str, str] | None = None) -> Server:
    """A `bonta serve` process on a free port, once it has printed its banner."""
    port = free_port()
    process = serve(data_dir, "--port", str(port), *argv, env=env)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Bonta is serving on"):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    ready.wait(STARTUP)
    banner = next((x for x in lines if x.startswith("Bonta is serving on")), None)
    if banner is None:
        process.kill()
        pytest.fail(f"server did not start: {process.communicate()[1][-2000:]}")
    return Server(process, port, banner)


def stop(server: Server) -> None:
    """End the server and every worker it forked. Killing only the arbiter would leave its
    workers serving (and sealing the audit chain on their own connections) until they notice
    the orphaning, which on PostgreSQL races the test's flush into a deadlock."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)  # graceful: the arbiter stops its workers
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)  # whatever of the group is left
    if server.process.poll() is None:
        server.process.wait(30)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start(tmp_path, "--workers", "2")
    try:
        yield running
    finally:
        stop(running)


SERVER_APP = "bonta-test-server"  # the servers' PostgreSQL application_name (PGAPPNAME)


def others_gone(connection: object) -> None:
    """Wait (bounded) until the stopped servers' sessions have left the test database: their
    backends end a moment after their processes, and the test's flush must not meet them."""
    for _ in range(600):
        with connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = %s",
                [SERVER_APP],
            )
            (others,) = cursor.fetchone()
        if others == 0:
            return
        threading.Event().wait(0.05)
    pytest.fail(f"{others} session(s) of the stopped servers still on the test database")


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_serve_runs_the_requested_workers_answers_in_parallel_and_stops_on_sigterm(
    server: Server, tmp_path: Path
) -> None:
    assert f"http://127.0.0.1:{server.port}" in server.banner
    assert "2 worker process(es)" in server.banner

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: get(server.port, "/healthz"), range(40)))
    assert {status for status, _ in answers} == {200}
    with sqlite3.connect(tmp_path / "bonta.sqlite3") as database:  # WAL is kept in the file
        assert database.execute("PRAGMA journal_mode").fetchone() == ("wal",)

    workers: set[int] = set()
    for _ in range(600):  # the arbiter forks its workers just after the banner
        workers = children(server.process.pid)
        if len(workers) == 2:
            break
        threading.Event().wait(0.05)
    assert len(workers) == 2

    # A second server on the same port: one line, exit 2, no banner and no traceback.
    busy = serve(tmp_path / "other", "--port", str(server.port))
    out, err = busy.communicate(timeout=60)
    assert busy.returncode == 2
    assert out == ""
    assert err.strip() == (
        f"bonta: port {server.port} is in use on 127.0.0.1 (another bonta serve?); "
        "stop it or choose another with --port"
    )
    assert "Traceback" not in err

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(60) == 0
    assert not children(server.process.pid) & workers


def test_a_busy_port_is_one_line_and_exit_2_before_any_migration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            main(["serve", "--port", str(port)])
    assert stopped.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"bonta: port {port} is in use")


def test_the_default_worker_count_follows_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    from bonta.cli.management.commands.bonta_serve import default_workers

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert default_workers() == 8
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert default_workers() == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "0"], "bonta: --workers must be at least 1"),
        (["--threads", "0"], "bonta: --threads must be at least 1"),
    ],
)
def test_impossible_worker_counts_are_refused(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *argv]) == 1
    assert capsys.readouterr().err.strip() == message


def test_every_sqlite_connection_is_wal_with_a_busy_timeout(db: None) -> None:
    """What lets several worker processes share one SQLite file: settings apply per connection."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    connection.close()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (busy_ms,) = cursor.fetchone()
    assert busy_ms >= 5000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_sign_offs_through_two_servers_never_exceed_the_cumulative_limit(tmp_path: Path) -> None:
    """Two `bonta serve` processes (two workers each) on one PostgreSQL database, eleven 40 U
    sign-offs for one patient released together through both: the 400 U / 3 months limit
    (products.toml [botox.cumulative_limit]) lets exactly ten through, whichever process."""
    from django.conf import settings
    from django.db import connection
    from django.db.models import Sum

    from bonta.accounts.tokens import issue_token
    from bonta.audit.log import verify_chain
    from bonta.records.models import Administration, Encounter
    from records.race import LIMIT_UNITS, OVERRIDES, PER_SESSION, drafts

    encounters, clinician = drafts(11)
    _, key = issue_token(clinician, "race")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"  # the test database
    from bonta.audit.keys import audit_key

    audit_key()  # the test's own key file exists; both servers seal with it (one clinic, one key)
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": settings.SECRET_KEY,
        "BONTA_AUDIT_KEY_FILE": str(settings.BONTA_AUDIT_KEY_FILE),
        "PGAPPNAME": SERVER_APP,  # libpq's default application_name: their sessions, by name
    }
    connection.close()
    servers = [start(tmp_path / f"s{n}", "--workers", "2", env=env) for n in range(2)]
    try:
        barrier = threading.Barrier(len(encounters))

        def sign(n: int) -> tuple[int, dict[str, object]]:
            port = servers[n % 2].port
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            path = f"/api/encounters/{encounters[n].pk}/sign"
            barrier.wait()
            # As it stands first; again with the re-treatment override when that blocks it (an
            # override of a finding the check does not raise is refused).
            client.request("POST", path, json.dumps({"overrides": []}), headers)
            response = client.getresponse()
            answer = response.status, json.loads(response.read())
            blocks = {f["code"] for f in answer[1].get("findings", []) if f["severity"] == "block"}
            if answer[0] == 422 and "retreatment_too_soon" in blocks:
                client.request("POST", path, json.dumps({"overrides": OVERRIDES}), headers)
                response = client.getresponse()
                answer = response.status, json.loads(response.read())
            client.close()
            return answer

        with ThreadPoolExecutor(max_workers=len(encounters)) as pool:
            answers = list(pool.map(sign, range(len(encounters))))
    finally:
        for running in servers:
            stop(running)
        others_gone(connection)

    fits = int(LIMIT_UNITS // PER_SESSION)
    assert sorted(status for status, _ in answers) == [200] * fits + [422]
    (refused,) = [body for status, body in answers if status == 422]
    assert [f["code"] for f in refused["findings"] if f["severity"] == "block"] == [
        "cumulative_dose_exceeded"
    ]
    assert Encounter.objects.filter(status="signed").count() == fits
    assert Administration.objects.aggregate(total=Sum("units"))["total"] == LIMIT_UNITS
    assert verify_chain() is None
