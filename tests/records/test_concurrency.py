"""Simultaneous sign-offs for one patient cannot together exceed the cumulative limit.

BOTOX label §1.5 (clinical-reference): at most 400 U of onabotulinumtoxinA in a 3-month
interval. Each session plans 40 U, so exactly 10 fit, however many are signed at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .race import expected, outcome

RACE = Path(__file__).with_name("race.py")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_sign_offs_never_exceed_the_cumulative_limit():
    assert outcome(50) == expected(50)


def test_simultaneous_sign_offs_serialise_on_a_sqlite_file_database(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "BONTA_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "bonta.settings",
    }
    run = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(RACE), "14"], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == expected(14)
