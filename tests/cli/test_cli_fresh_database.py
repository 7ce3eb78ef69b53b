"""On a fresh data directory the Django-backed commands say in one line what to run, and
`bonta migrate` sets the database up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bonta.cli.server import NOT_SET_UP

SRC = Path(__file__).resolve().parents[2] / "src"


def bonta(data_dir: Path, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    unset = {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}  # a fresh SQLite file in `data_dir`
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(BONTA_DATA_DIR=str(data_dir), PYTHONPATH=str(SRC))
    return subprocess.run(  # noqa: S603 - the test's own interpreter and our own module
        [sys.executable, "-m", "bonta.cli", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["user", "grey", "--role", "clinician"],
        ["token", "grey"],
        ["worker", "--status"],
        ["demo", "--patients", "1"],
    ],
    ids=["user", "token", "worker", "demo"],
)
def test_a_fresh_database_gets_one_line_naming_bonta_migrate(tmp_path: Path, argv) -> None:
    result = bonta(tmp_path, *argv)

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == NOT_SET_UP + "\n"


def test_bonta_migrate_sets_the_database_up(tmp_path: Path) -> None:
    assert bonta(tmp_path, "migrate").returncode == 0

    result = bonta(tmp_path, "user", "grey", "--role", "clinician", "--password-stdin",
                   stdin="a-long-password\n")  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")
    assert bonta(tmp_path, "worker", "--status").returncode == 0
