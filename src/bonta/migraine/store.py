"""The columnar diary store: every patient's diary as one run of day classes, for DuckDB.

Three Parquet files in one folder:

- ``patients.parquet``  ``pkey`` (0 … n-1, dense, in ``patient_id`` order), ``patient_id``
  (UUID text), ``first_day`` (the first diary date, NULL without a diary), ``days`` (length
  of the run) and ``row_offset`` (where the run starts in ``days.parquet``): every patient with
  a diary day or a signed chronic-migraine session;
- ``days.parquet``  one column, ``classes``: for each patient in pkey order, one row per
  calendar day from their first to their last diary date — **missing days included** as 0 —
  holding what the day counts as (`day_classes_sql`: the day rules of `bonta.domain.headache.days`
  in
  SQL, packed into bits, with ``RECORDED`` set on recorded days). Row ``row_offset + (date -
  first_day)`` is that date, so a report finds any window by arithmetic, with no search;
- ``injections.parquet``  (``pkey``, ``on``): local dates of signed chronic-migraine sessions,
  one per date, sorted.

Why classes and not the raw fields: a day's classes are a pure function of the day, computed
once per refresh instead of once per report; a report reads one 16-bit column. The database
keeps the raw diary; the store is a derived copy, refreshed by a job or before a report.

`refresh_store` rebuilds the store from the database: it streams the rows out (PostgreSQL
``COPY … TO STDOUT``, SQLite a chunked cursor) into CSV; DuckDB's built-in CSV reader and
Parquet writer do the rest (no extension is downloaded). `write_store` is the one place that
classifies days; the benchmark feeds it synthetic rows the same way.

Never a half-written store
--------------------------
A refresh writes a whole new **version folder** (``v<UTC time>-<random>``) beside the live one,
then switches a one-line pointer file, ``CURRENT``, to it with an atomic rename. A reader
(`open_store`) reads the pointer once and then only that version's three files, so it sees the
old store or the new one, never a mix (renaming three files one by one could not promise that).
The previous version is kept, so a reader that read the pointer just before a switch can still
open its files; older versions are removed. Refreshes take an exclusive lock (``.refresh.lock``,
`fcntl.flock`), so a cron job and a report asking for a fresh store never write at once.

Scheduled refresh
-----------------
`refresh_if_stale(folder, max_age)` refreshes only when the live version is older than
`max_age` (or missing); the ``bonta_refresh_diary_store`` command calls it, from cron or a
worker, with no human involved (docs/population-report.md gives the cron line). When another
process is already refreshing, it returns the current store instead of waiting (it waits only
when there is no store yet). A folder holding the three files directly (no ``CURRENT``, as the
benchmark writes it) is read as it is.
"""

from __future__ import annotations

import csv
import fcntl
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from django.db import connection
from django.utils import timezone

from bonta.domain.headache.days import DAY_FIELDS, label_headache_hours
from bonta.domain.pathways import Pathway
from bonta.migraine.models import DiaryEntry
from bonta.records.models import Encounter, EncounterStatus

# Bits of one day's `classes`: what the day counts as, then the acute-medication mask.
HEADACHE, HEADACHE_4H, MIGRAINE, MEDICATION = 1, 2, 4, 8
CLASS_SHIFT = 4  # `models.MEDICATION_BITS` << 4 (8 classes: bits 4–11)
RECORDED = 1 << 15  # a diary entry exists for the date; 0 in `classes` means missing


def day_classes_sql() -> str:
    """One integer of day classes per diary row: `bonta.domain.headache.days`'s rules, in SQL."""
    hours = label_headache_hours()  # BOTOX indication: ≥4 h (clinical-reference §1.1)
    c1 = (
        "((unilateral::INT + pulsating::INT + (intensity >= 2)::INT "  # ICHD-3 1.1 C
        "+ worse_with_activity::INT) >= 2 "
        "AND (nausea OR vomiting OR (photophobia AND phonophobia)))"  # ICHD-3 1.1 D
    )
    migraine = (  # ICHD-3 1.3 C: C1, C2 (aura), C3
        f"(headache AND ({c1} OR aura OR (believed_migraine AND relieved_by_triptan_or_ergot)))"
    )
    return (
        f"({RECORDED} + headache::INTEGER * {HEADACHE} "
        f"+ (headache AND hours >= {hours})::INTEGER * {HEADACHE_4H} "
        f"+ {migraine}::INTEGER * {MIGRAINE} "
        f"+ (acute_medication <> 0)::INTEGER * {MEDICATION} "
        f"+ (acute_medication::INTEGER << {CLASS_SHIFT}))::USMALLINT"
    )


DIARY_COLUMNS = DAY_FIELDS
DIARY_TYPES: dict[str, str] = {
    "patient_id": "UUID",
    "on": "DATE",
    "headache": "BOOLEAN",
    "hours": "DECIMAL(4,2)",
    "intensity": "UTINYINT",
    **dict.fromkeys(DIARY_COLUMNS[4:14], "BOOLEAN"),
    "acute_medication": "USMALLINT",
}


@dataclass(frozen=True, slots=True)
class Store:
    """Where the three Parquet files of one store live."""

    folder: Path

    @property
    def patients(self) -> Path:
        return self.folder / "patients.parquet"

    @property
    def days(self) -> Path:
        return self.folder / "days.parquet"

    @property
    def injections(self) -> Path:
        return self.folder / "injections.parquet"


CURRENT = "CURRENT"  # names the live version folder
LOCK = ".refresh.lock"
VERSION_PREFIX = "v"


def default_folder() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "diary-store"


def open_store(folder: str | Path) -> Store:
    """The live store in `folder`: the version ``CURRENT`` names, else the folder itself."""
    base = Path(folder)
    try:
        name = (base / CURRENT).read_text().strip()
    except FileNotFoundError:
        return Store(base)
    return Store(base / name)


def refreshed_at(folder: str | Path) -> datetime | None:
    """When the live store was written (UTC), or None when there is none."""
    base = Path(folder)
    marker = base / CURRENT if (base / CURRENT).exists() else base / "days.parquet"
    try:
        return datetime.fromtimestamp(marker.stat().st_mtime, UTC)
    except FileNotFoundError:
        return None


@contextmanager
def _locked(folder: Path, wait: bool) -> Iterator[bool]:
    """Hold the folder's refresh lock; yield False (without it) if busy and not `wait`."""
    with open(folder / LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def refresh_store(folder: str | Path) -> Store:
    """Rebuild the store in `folder` from the database; return the new live version."""
    base = Path(folder)
    base.mkdir(parents=True, exist_ok=True)
    with _locked(base, wait=True):
        return _refresh(base)


def refresh_if_stale(
    folder: str | Path, max_age: timedelta, now: datetime | None = None
) -> tuple[Store, bool]:
    """The live store, refreshed first if older than `max_age` or missing; (store, refreshed).

    If another process is refreshing, the current store is returned as it is rather than
    waiting — unless there is none yet, then this waits for that refresh.
    """
    base = Path(folder)
    base.mkdir(parents=True, exist_ok=True)

    def stale() -> bool:
        written = refreshed_at(base)
        return written is None or (now or datetime.now(UTC)) - written > max_age

    if not stale():
        return open_store(base), False
    with _locked(base, wait=refreshed_at(base) is None) as mine:
        if not mine or not stale():  # busy, or refreshed while we waited for the lock
            return open_store(base), False
        return _refresh(base), True


def _refresh(base: Path) -> Store:
    """Write a new version beside the live one, switch ``CURRENT`` to it, prune old ones."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    version = base / f"{VERSION_PREFIX}{stamp}-{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory(dir=base, prefix=".refresh-") as scratch:
        diary_csv = Path(scratch) / "diary.csv"
        injections_csv = Path(scratch) / "injections.csv"
        _dump_diary(diary_csv)
        _dump_injections(injections_csv)
        staged = Store(Path(scratch) / "store")
        staged.folder.mkdir()
        con = connect()
        try:
            load_csv_dumps(con, diary_csv, injections_csv)
            write_store(con, staged)
        finally:
            con.close()
        for path in (staged.patients, staged.days, staged.injections):
            _fsync(path)
        os.replace(staged.folder, version)  # a whole folder appears at once
    previous = open_store(base).folder
    _point_to(base, version.name)
    for old in base.glob(f"{VERSION_PREFIX}*"):
        if old.is_dir() and old not in (version, previous):
            shutil.rmtree(old, ignore_errors=True)
    return Store(version)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _point_to(base: Path, name: str) -> None:
    """Switch ``CURRENT`` to `name` atomically: write a temp file, then rename it over."""
    handle, temp = tempfile.mkstemp(dir=base, prefix=".current-")
    with os.fdopen(handle, "w") as out:
        out.write(name + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, base / CURRENT)


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # never print to a server's stdout
    return con


def load_csv_dumps(con: duckdb.DuckDBPyConnection, diary_csv: Path, injections_csv: Path) -> None:
    """The database dumps as `raw_diary` and `raw_injections` (patient_id first, no header)."""
    options = "header = false, auto_detect = false, delim = ',', quote = '\"', escape = '\"'"
    con.execute(
        f"CREATE TEMP TABLE raw_diary AS SELECT * FROM read_csv(?, {options}, "  # noqa: S608
        f"columns = {_struct(DIARY_TYPES)})",
        [str(diary_csv)],
    )
    injection_types = _struct({"patient_id": "UUID", "on": "DATE"})
    con.execute(
        "CREATE TEMP TABLE raw_injections AS SELECT * FROM read_csv(?, "  # noqa: S608
        f"{options}, columns = {injection_types})",
        [str(injections_csv)],
    )


def write_store(con: duckdb.DuckDBPyConnection, store: Store) -> None:
    """Write the store's files from `raw_diary` (`DIARY_TYPES`) and `raw_injections`."""
    con.execute(
        "CREATE TEMP TABLE keys AS SELECT "
        "(row_number() OVER (ORDER BY patient_id) - 1)::INTEGER AS pkey, patient_id "
        "FROM (SELECT patient_id FROM raw_diary UNION SELECT patient_id FROM raw_injections)"
    )
    con.execute(
        'CREATE TEMP TABLE classified AS SELECT k.pkey, d."on", '  # noqa: S608
        f"{day_classes_sql()} AS classes FROM raw_diary d JOIN keys k USING (patient_id)"
    )
    con.execute(
        'CREATE TEMP TABLE spans AS SELECT k.pkey, k.patient_id, min(c."on") AS first_day, '
        'coalesce(max(c."on") - min(c."on") + 1, 0)::INTEGER AS days '
        "FROM keys k LEFT JOIN classified c USING (pkey) GROUP BY k.pkey, k.patient_id"
    )
    _copy(
        con,
        "SELECT pkey, patient_id::VARCHAR AS patient_id, first_day, days, "
        "(sum(days) OVER (ORDER BY pkey) - days)::BIGINT AS row_offset FROM spans ORDER BY pkey",
        store.patients,
    )
    _copy(
        con,
        "SELECT coalesce(c.classes, 0)::USMALLINT AS classes FROM ("
        "SELECT pkey, unnest(generate_series(first_day, first_day + days - 1, INTERVAL 1 DAY))"
        '::DATE AS "on" FROM spans WHERE days > 0) g '
        'LEFT JOIN classified c USING (pkey, "on") ORDER BY g.pkey, g."on"',
        store.days,
    )
    _copy(
        con,
        'SELECT DISTINCT k.pkey, i."on" FROM raw_injections i JOIN keys k USING (patient_id) '
        'ORDER BY k.pkey, i."on"',
        store.injections,
    )


def _struct(types: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in types.items()) + "}"


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")


def _dump_diary(path: Path) -> None:
    table = connection.ops.quote_name(DiaryEntry._meta.db_table)
    names = ["patient_id"] + [DiaryEntry._meta.get_field(c).column for c in DIARY_COLUMNS]
    select = ", ".join(connection.ops.quote_name(n) for n in names)
    query = f"SELECT {select} FROM {table}"  # noqa: S608 - names from the model
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, open(path, "wb") as out:
            raw = cursor.cursor  # psycopg 3: COPY streams PostgreSQL's own CSV
            with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    out.write(block)
        return
    with connection.chunked_cursor() as cursor, open(path, "w", newline="") as out:
        cursor.execute(query)
        writer = csv.writer(out)
        while rows := cursor.fetchmany(10_000):
            writer.writerows(rows)


def _dump_injections(path: Path) -> None:
    zone = timezone.get_default_timezone()
    signed = Encounter.objects.filter(
        pathway=Pathway.CHRONIC_MIGRAINE.value, status=EncounterStatus.SIGNED
    ).values_list("patient_id", "at")
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        for patient_id, at in signed.iterator(chunk_size=10_000):
            # The clinic's local date, as `services.injection_dates` reads it.
            writer.writerow((str(patient_id), timezone.localdate(at, zone).isoformat()))
