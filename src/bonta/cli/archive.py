"""Backup archives: the database, the data directory's keys and the photos in one tar file.

Imported only by the `bonta_backup` / `bonta_restore` management commands (it needs Django).

The archive holds `manifest.json` first, then:
- `database/bonta.sqlite3` — SQLite, copied with the online backup API (a consistent snapshot
  while the clinic keeps working), or `database/bonta.pgdump` — PostgreSQL, `pg_dump -Fc`
  taken in an exported snapshot, the same one the row counts are read in;
- `keys/secret_key`, `keys/audit_key` — the Django secret and the audit chain's key (without
  the latter the restored chain cannot be verified);
- `photos/…` — every file under BONTA_DATA_DIR/photos.

The manifest (JSON) records the format version, when, the engine, every file's sha256 and size,
the row count of every table and the audit chain head. Restore checks every checksum and size
before it writes anything, refuses a target that already holds data unless forced, then checks
the row counts and verifies the audit chain. The archive holds patient data and keys: it is
written with mode 0600 and belongs on encrypted storage.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from bonta.audit.chain import VerifyResult, verify
from bonta.audit.keys import forget_key, key_path
from bonta.photos.storage import photos_dir

FORMAT = "bonta-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE = {"sqlite": "database/bonta.sqlite3", "postgresql": "database/bonta.pgdump"}
# Rows that only people write: a target holding any of them (or photos) is not empty. Tables
# migrations fill on their own (consent documents, content types) do not count.
DATA_TABLES = ("accounts_user", "records_patient", "records_encounter", "audit_auditevent")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, naming the file."""


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    audit: VerifyResult
    count_mismatches: dict[str, tuple[int, int]]  # table: (in the archive, restored)


# ---- backup ----------------------------------------------------------------------------------


def create_backup(output: Path) -> dict[str, Any]:
    """Write the archive to `output` (never overwriting); return its manifest."""
    engine = connection.vendor
    if engine not in DATABASE:
        raise BackupError(f"bonta backup supports SQLite and PostgreSQL, not {engine}")
    if output.exists():
        raise BackupError(f"{output} exists; a backup never overwrites a file")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".bonta-backup-") as work:
        dump = Path(work) / "database"
        if engine == "sqlite":
            counts, head = _sqlite_snapshot(dump)
        else:
            counts, head = _pg_dump(dump)
        files: list[tuple[str, Path]] = [(DATABASE[engine], dump)]
        secret = Path(settings.DATA_DIR) / "secret_key"
        for name, path in (("keys/secret_key", secret), ("keys/audit_key", key_path())):
            if path.is_file():
                files.append((name, path))
        photos = photos_dir()
        if photos.is_dir():
            for path in sorted(p for p in photos.rglob("*") if p.is_file()):
                files.append((f"photos/{path.relative_to(photos).as_posix()}", path))
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "files": [
                {"name": name, "sha256": _sha256(path), "size": path.stat().st_size}
                for name, path in files
            ],
            "row_counts": counts,
            "audit_head": {"seq": head[0], "hash": head[1]},
        }
        partial = Path(work) / "archive.tar"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            tar.addfile(_info(MANIFEST, len(body)), io.BytesIO(body))
            for name, path in files:
                with path.open("rb") as data:
                    tar.addfile(_info(name, path.stat().st_size), data)
        os.link(partial, output)  # fails rather than overwrite a file that appeared meanwhile
    return manifest


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(datetime.now(UTC).timestamp())
    return info


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _sqlite_snapshot(target: Path) -> tuple[dict[str, int], tuple[int, str]]:
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)  # the online backup API: a consistent snapshot
        tables = _tables()
        counts = {t: copy.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
        row = copy.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1").fetchone()
    return counts, (row[0], row[1]) if row else (0, "")


def _pg_environment() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # the environment, never the command line
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed programs, arguments we built
            command, env=_pg_environment(), capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools)") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise BackupError(f"{command[0]} failed: {last}")


def _pg_dump(target: Path) -> tuple[dict[str, int], tuple[int, str]]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = {}
        for table in _tables():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - introspected names
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
        row = cursor.fetchone()
        # pg_dump reads the very snapshot the counts were taken in, while it is held open.
        _run(
            ["pg_dump", "-Fc", "--no-owner", "--no-acl", "--snapshot", snapshot, "-f", str(target)]
        )
    return counts, (row[0], row[1]) if row else (0, "")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---- restore ---------------------------------------------------------------------------------


def restore_backup(archive: Path, *, force: bool = False) -> Restored:
    """Check the archive completely, then restore it into this installation."""
    engine = connection.vendor
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    with tempfile.TemporaryDirectory(prefix=".bonta-restore-") as work:
        manifest, extracted = _checked_extract(archive, Path(work))
        if manifest["engine"] != engine:
            raise BackupError(
                f"{archive} is a {manifest['engine']} backup; this installation runs {engine}"
            )
        held = _data_held()
        if held and not force:
            raise BackupError(
                f"the target is not empty ({held}); restore refuses to overwrite it without --force"
            )
        _restore_database(engine, extracted[DATABASE[engine]])
        _restore_keys(extracted)
        _restore_photos({n: p for n, p in extracted.items() if n.startswith("photos/")})
    forget_key()
    connection.close()
    restored = {t: _count(t) for t in manifest["row_counts"]}
    mismatches = {
        t: (n, restored[t]) for t, n in manifest["row_counts"].items() if restored[t] != n
    }
    return Restored(manifest=manifest, audit=verify(), count_mismatches=mismatches)


def _checked_extract(archive: Path, work: Path) -> tuple[dict[str, Any], dict[str, Path]]:
    """Every member extracted to `work` and checked against the manifest; nothing else."""
    try:
        tar = tarfile.open(archive, mode="r:")  # noqa: SIM115 - closed by `with tar` below
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive} is not a bonta backup (not a tar file: {error})") from None
    with tar:
        members = iter(tar)
        first = next(members, None)
        if first is None or first.name != MANIFEST or not first.isfile():
            raise BackupError(f"{archive} is not a bonta backup (no {MANIFEST} first)")
        manifest = _manifest(archive, tar.extractfile(first))
        expected = {f["name"]: f for f in manifest["files"]}
        extracted: dict[str, Path] = {}
        for member in members:
            entry = expected.get(member.name)
            if entry is None or not member.isfile() or member.name in extracted:
                raise BackupError(f"{archive}: unexpected member {member.name!r}")
            target = work / f"{len(extracted):06d}"
            digest, size = _copy_hashing(tar.extractfile(member), target)
            if size != entry["size"] or digest != entry["sha256"]:
                raise BackupError(
                    f"{archive}: {member.name} fails its checksum; nothing was restored"
                )
            extracted[member.name] = target
    missing = sorted(set(expected) - set(extracted))
    if missing:
        raise BackupError(f"{archive}: {missing[0]} is in the manifest but not in the archive")
    return manifest, extracted


def _manifest(archive: Path, data: io.BufferedReader | None) -> dict[str, Any]:
    try:
        manifest = json.loads(data.read() if data else b"")
    except ValueError:
        raise BackupError(f"{archive}: {MANIFEST} is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a bonta backup ({MANIFEST} format)")
    if manifest.get("version") != VERSION:
        raise BackupError(f"{archive}: backup format version {manifest.get('version')!r} unknown")
    if manifest.get("engine") not in DATABASE:
        raise BackupError(f"{archive}: unknown engine {manifest.get('engine')!r}")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(_entry_ok(f) for f in files):
        raise BackupError(f"{archive}: {MANIFEST} lists a file it may not hold")
    if DATABASE[manifest["engine"]] not in {f["name"] for f in files}:
        raise BackupError(f"{archive}: no database in the archive")
    counts = manifest.get("row_counts")
    if not isinstance(counts, dict) or not all(
        isinstance(n, int) and _identifier(t) for t, n in counts.items()
    ):
        raise BackupError(f"{archive}: {MANIFEST} row_counts are malformed")
    return manifest


def _entry_ok(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    name, digest, size = entry.get("name"), entry.get("sha256"), entry.get("size")
    if not isinstance(name, str) or not isinstance(digest, str) or not isinstance(size, int):
        return False
    if name in DATABASE.values() or name in {"keys/secret_key", "keys/audit_key"}:
        return True
    parts = PurePosixPath(name).parts
    return (
        len(parts) >= 2
        and parts[0] == "photos"
        and not PurePosixPath(name).is_absolute()
        and all(p not in {"", ".", ".."} and not p.startswith(".") for p in parts)
    )


def _identifier(name: object) -> bool:
    return isinstance(name, str) and name.replace("_", "").isalnum()


def _copy_hashing(data: io.BufferedReader | None, target: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        for block in iter(lambda: data.read(1 << 20) if data else b"", b""):
            digest.update(block)
            size += len(block)
            out.write(block)
    return digest.hexdigest(), size


def _data_held() -> str:
    """What makes the target non-empty ('' when nothing does)."""
    existing = set(connection.introspection.table_names())
    for table in DATA_TABLES:
        if table in existing and _count(table):
            return f"table {table} has rows"
    photos = photos_dir()
    if photos.is_dir() and any(p.is_file() for p in photos.rglob("*")):
        return f"{photos} holds files"
    return ""


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - checked identifiers
        return int(cursor.fetchone()[0])


def _restore_database(engine: str, dump: Path) -> None:
    if engine == "sqlite":
        connection.close()
        name = str(settings.DATABASES["default"]["NAME"])
        with closing(sqlite3.connect(dump)) as source, closing(sqlite3.connect(name)) as target:
            source.backup(target)
        return
    connection.close()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            "-d",
            str(settings.DATABASES["default"]["NAME"]),
            str(dump),
        ]
    )


def _restore_keys(extracted: dict[str, Path]) -> None:
    secret = Path(settings.DATA_DIR) / "secret_key"
    for name, target in (("keys/secret_key", secret), ("keys/audit_key", key_path())):
        if name in extracted:
            _write_private(target, extracted[name].read_bytes())


def _write_private(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)
    os.replace(partial, target)


def _restore_photos(photos: dict[str, Path]) -> None:
    """Put the archive's photos in place; photos already there (a forced restore) are moved
    aside to photos.replaced-<time>, never deleted."""
    directory = photos_dir()
    if directory.is_dir() and any(directory.iterdir()):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        directory.rename(directory.with_name(f"photos.replaced-{stamp}"))
    for name, source in _sorted(photos):
        target = directory / PurePosixPath(name).relative_to("photos")
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(source, target)
        target.chmod(0o600)


def _sorted(photos: dict[str, Path]) -> Iterator[tuple[str, Path]]:
    yield from sorted(photos.items())
