"""THE test of issue 5's figure: 10,000 reminders, the worker killed with SIGKILL mid-run and
restarted, and no message arrives twice.

The worker runs as `bonta worker` in a child process against a database both processes reach
(a SQLite file, or a PostgreSQL database of its own when the suite runs on PostgreSQL); the
SMTP server runs here and records every Message-ID that arrives. What may be lost to the kill
is the one message in hand: it ends `uncertain` (shown to the manager), never resent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from .smtpd import SmtpServer

FLEET = Path(__file__).with_name("fleet.py")
TESTS = Path(__file__).resolve().parents[1]
REMINDERS = 2_000
KILL_AFTER = 600  # received messages before the SIGKILL (mid-run: well before the end)
LEASE_SECONDS = 3  # short, so the restarted worker takes the dead one's claims back soon


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A database URL both processes can reach, on the engine the suite runs on."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'reminders.sqlite3'}"
        return
    import psycopg

    base = urlsplit(os.environ["DATABASE_URL"])
    name = f"{base.path.lstrip('/') or 'bonta'}_reminder_crash"
    admin = urlunsplit(base._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(base._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_script(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(FLEET), *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bonta.cli", "worker", "--until-idle", "--batch", "50"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_a_worker_killed_mid_run_and_restarted_sends_no_message_twice(
    tmp_path: Path, shared_database: str
):
    with SmtpServer() as smtp:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
            "DJANGO_SETTINGS_MODULE": "bonta.settings",
            "BONTA_DATA_DIR": str(tmp_path),
            "DATABASE_URL": shared_database,
            "BONTA_SMTP_HOST": "127.0.0.1",
            "BONTA_SMTP_PORT": str(smtp.port),
            "BONTA_SMTP_TLS": "none",
            "BONTA_SMTP_FROM": "reminders@clinic.example",
            "BONTA_PUBLIC_URL": "https://clinic.example",
            "BONTA_REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        assert run_script(env, "setup", str(REMINDERS)) == {"created": REMINDERS}

        first = start_worker(env)
        while smtp.recorder.count() < KILL_AFTER and first.poll() is None:
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=60) == -signal.SIGKILL, "the worker finished before the kill"
        at_kill = smtp.recorder.count()

        second = start_worker(env)
        _, errors = second.communicate(timeout=600)
        assert second.returncode == 0, errors.decode()
        outbox = run_script(env, "report")
        received = smtp.recorder.message_ids()

    twice = [mid for mid, n in Counter(received).items() if n > 1]
    sent, uncertain = set(outbox["sent"]), set(outbox["uncertain"])
    assert KILL_AFTER <= at_kill < REMINDERS
    assert twice == []  # no Message-ID arrived twice
    assert outbox["counts"]["sent"] + outbox["counts"]["uncertain"] == REMINDERS
    assert len(uncertain) <= 1  # at most the one message in hand when the worker died
    assert sent <= set(received)  # every reminder marked sent arrived ...
    assert set(received) - sent <= uncertain  # ... and anything else that arrived is uncertain
    assert len(sent) == len(set(received) - uncertain)  # sent count == distinct received
    assert outbox["max_attempts"] == 1  # nothing was handed to the server twice


def test_on_sqlite_the_hand_over_commits_with_a_full_sync_and_the_rest_stay_normal(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        "DJANGO_SETTINGS_MODULE": "bonta.settings",
        "BONTA_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sync.sqlite3'}",
    }
    # PRAGMA synchronous: 1 = NORMAL (the settings), 2 = FULL
    assert run_script(env, "sync") == {"before": 1, "inside": 2, "after": 1}
