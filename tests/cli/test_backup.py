"""`bonta backup` / `bonta restore` end to end, in fresh processes and data directories: the
restored installation has the same rows, a verifying audit chain and the same photo bytes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

SEED = """
import json
from datetime import date
from django.db import transaction
from bonta.accounts.models import Role, User
from bonta.records import services
user = User(username="dr_backup", role=Role.CLINICIAN)
user.set_unusable_password()
user.save()
for n in range(3):
    services.create_patient(by=user, record_number=f"B-{n}", given_name="Bea",
        family_name="Baker", birth_date=date(1980, 1, 1), sex="female")
"""

COUNTS = """
import json
from django.db import connection
tables = sorted(connection.introspection.django_table_names(only_existing=True))
with connection.cursor() as c:
    counts = {}
    for t in tables:
        c.execute(f'SELECT COUNT(*) FROM "{t}"')
        counts[t] = c.fetchone()[0]
print(json.dumps(counts))
"""

PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes that must come back \x00\x01\xff"

Run = Callable[..., subprocess.CompletedProcess[str]]


def installation(data_dir: Path, database_url: str | None) -> Run:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bonta.settings",
        "BONTA_DATA_DIR": str(data_dir),
    }
    env.pop("BONTA_AUDIT_KEY_FILE", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        module = ["-m", "django"] if args[0] in {"migrate", "shell"} else ["-m", "bonta.cli"]
        done = subprocess.run(  # noqa: S603 - our own interpreter and modules
            [sys.executable, *module, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if ok:
            assert done.returncode == 0, done.stderr[-3000:]
        return done

    return run


def round_trip(tmp_path: Path, source_url: str | None, target_url: str | None) -> None:
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    source, target = installation(source_dir, source_url), installation(target_dir, target_url)
    source("migrate", "--no-input", "-v0")
    source("demo", "--patients", "3", "--seed", "4", "--years", "2")
    source("shell", "-c", SEED)
    photo = source_dir / "photos" / "ab" / "abcdef.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(PHOTO)
    assert source("audit", "verify").stdout.startswith("audit chain intact")
    archive = tmp_path / "clinic.tar"
    made = source("backup", "--output", str(archive))
    assert made.stdout.startswith(f"backup written to {archive}")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    counts = last_json(source("shell", "-c", COUNTS).stdout)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["row_counts"] == counts
    assert counts["records_patient"] == 6
    assert counts["records_encounter"] > 0
    names = {f["name"] for f in manifest["files"]}
    assert {"keys/secret_key", "keys/audit_key", "photos/ab/abcdef.jpg"} <= names

    # a damaged archive is refused before anything is written
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(flip_a_byte_of(archive, "photos/ab/abcdef.jpg"))
    refused = target("restore", str(damaged), ok=False)
    assert refused.returncode == 1
    assert refused.stderr.strip().endswith(
        "photos/ab/abcdef.jpg fails its checksum; nothing was restored"
    )
    assert not (target_dir / "photos").exists()
    assert not (target_dir / "audit_key").exists()

    restored = target("restore", str(archive))
    assert "audit chain intact" in restored.stdout
    assert last_json(target("shell", "-c", COUNTS).stdout) == counts
    assert target("audit", "verify").stdout.startswith("audit chain intact")
    assert (target_dir / "photos" / "ab" / "abcdef.jpg").read_bytes() == PHOTO
    assert (target_dir / "audit_key").read_bytes() == (source_dir / "audit_key").read_bytes()
    assert oct((target_dir / "audit_key").stat().st_mode & 0o777) == "0o600"

    again = target("restore", str(archive), ok=False)
    assert again.returncode == 1
    assert "not empty" in again.stderr
    assert "--force" in again.stderr
    forced = target("restore", str(archive), "--force")
    assert "audit chain intact" in forced.stdout


def last_json(out: str) -> dict[str, int]:
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def flip_a_byte_of(archive: Path, member: str) -> bytes:
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data
    data[offset] ^= 0xFF
    return bytes(data)


def test_backup_and_restore_on_sqlite(tmp_path: Path) -> None:
    round_trip(tmp_path, None, None)


@pytest.fixture
def postgres_databases() -> tuple[str, str]:
    """Two scratch databases beside the test database (DATABASE_URL's server)."""
    import psycopg

    base = urlsplit(os.environ["DATABASE_URL"])
    stem = (base.path.lstrip("/") or "bonta") + "_backup"
    names = (f"{stem}_source", f"{stem}_target")
    admin = urlunsplit(base._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as db:
        for name in names:
            db.execute(f'DROP DATABASE IF EXISTS "{name}"')
            db.execute(f'CREATE DATABASE "{name}"')
    yield tuple(urlunsplit(base._replace(path=f"/{n}")) for n in names)  # type: ignore[misc]
    with psycopg.connect(admin, autocommit=True) as db:
        for name in names:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_backup_and_restore_on_postgresql(tmp_path: Path, postgres_databases) -> None:
    source_url, target_url = postgres_databases
    round_trip(tmp_path, source_url, target_url)


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    run = installation(tmp_path / "data", None)
    nothing = run("restore", str(tmp_path / "missing.tar"), ok=False)
    assert nothing.returncode == 1
    assert nothing.stderr.strip() == f"bonta: {tmp_path / 'missing.tar'}: no such file"
    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w") as tar:
        manifest = {
            "format": "bonta-backup",
            "version": 1,
            "engine": "sqlite",
            "files": [{"name": "../../etc/passwd", "sha256": "0", "size": 1}],
            "row_counts": {},
        }
        body = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    refused = run("restore", str(bogus), ok=False)
    assert refused.returncode == 1
    assert "lists a file it may not hold" in refused.stderr
