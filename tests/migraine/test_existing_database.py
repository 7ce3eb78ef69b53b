"""A database built before the diary app became `bonta.migraine` keeps working.

`before-migraine-app.sqlite3.gz` was made with the code of commit 2f17de1 (the app was
`bonta.migraine`): `migrate`, `bonta demo --patients 6 --seed 3`, `bonta_demo_diaries --days 30`.
The app label stayed "diary", so its tables and migration history are the same: migrating it
with today's code applies only what is new and the rows are found through the new app.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"

READ_ROWS = """
import json
from django.db import connection
from bonta.migraine.models import DiaryEntry
from bonta.records.models import Encounter, Patient
with connection.cursor() as c:
    c.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'diary'")
    applied = c.fetchone()[0]
print(json.dumps({
    "patients": Patient.objects.count(),
    "encounters": Encounter.objects.count(),
    "diary_days": DiaryEntry.objects.count(),
    "diary_migrations": applied,
}))
"""


def test_a_database_from_before_the_move_migrates_and_keeps_its_rows(tmp_path: Path) -> None:
    database = tmp_path / "bonta.sqlite3"
    with gzip.open(DATA / "before-migraine-app.sqlite3.gz") as packed, database.open("wb") as out:
        shutil.copyfileobj(packed, out)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bonta.settings",
        "BONTA_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
    }

    def django(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "django", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    django("migrate", "--no-input", "-v0")
    django("migrate", "--check")  # nothing left to apply
    found = json.loads(django("shell", "-c", READ_ROWS).strip().splitlines()[-1])

    assert found["patients"] == 6
    assert found["encounters"] == 87
    assert found["diary_days"] == 27
    assert found["diary_migrations"] >= 1
