"""bench/durability.py in small: `bonta serve` killed with SIGKILL twice under a write load, and
every acknowledged write is still there, SQLite's integrity check is ok, the audit chain
verifies. On the suite's database engine: SQLite, or PostgreSQL when DATABASE_URL names one
(then in a database of its own, `<name>_durability`, made fresh and dropped after).

Slow (tens of seconds: two restarts of a real server) but part of `make test` and CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


def durability_database(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_durability"))


@pytest.mark.slow
def test_no_acknowledged_write_is_lost_when_the_server_is_killed() -> None:
    # Time, not the write cap, ends the load: with a cap that a quiet machine reaches before the
    # second kill moment, the run stopped after one kill (seen once in a fresh run).
    argv = ["--kills", "2", "--clients", "4", "--seconds", "8", "--writes", "50000", "--seed", "11"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        argv += ["--postgres", durability_database(url)]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BONTA_DATA_DIR")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "bench.durability", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # a bound, not a speed claim: every wait inside is bounded too
        check=False,
    )
    assert done.stdout.strip(), done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["kills"] == 2
    assert sum(result["acknowledged"].values()) > 0, result
    assert result["acknowledged"]["signed"] > 0, result  # sign-offs go through, not only 422s
    assert result["found"] == result["acknowledged"], result
    expected = "ok" if not url.startswith("postgres") else "not SQLite"
    assert result["sqlite_integrity_check"] == expected
    assert result["audit_verify"]["exit"] == 0, result["audit_verify"]
    assert result["ok"] is True
    assert done.returncode == 0
