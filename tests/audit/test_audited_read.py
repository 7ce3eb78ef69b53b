"""`audited_read`: a read's snapshot, then its audit event; and the SQLite engine under it.

On SQLite a page that only reads must not hold the one write lock while it is built (every
other process's reads and sign-offs would queue behind it), yet its audit event must be
written before it answers, and a write slipped into it must fail at once, not under load.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

import pytest
from django.db import connection, transaction
from django.db.utils import ConnectionHandler, OperationalError

from bonta.audit.log import audited_read, one_read_event, record
from bonta.audit.models import AuditEvent
from bonta.db.sqlite3.base import read_only

SQLITE = connection.vendor == "sqlite"


def actor() -> SimpleNamespace:
    return SimpleNamespace(pk=uuid4(), role="clinician")


def read(who: SimpleNamespace, patient_id: object, count: int = 1) -> None:
    record(
        "patient.read",
        actor=who,
        object_type="patient",
        object_id=patient_id,
        patient_id=patient_id,
        detail={"count": count},
    )


def query_only() -> int:
    """SQLite's query_only pragma on the test connection (PostgreSQL: 0, there is none)."""
    if not SQLITE:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA query_only")
        return int(cursor.fetchone()[0])


# ---- the engine, on a file database of its own (WAL, as Bonta runs) --------------------------


@pytest.fixture
def wal_file(tmp_path: Path) -> Path:
    path = tmp_path / "engine.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (n INTEGER)")
    return path


@pytest.fixture
def unblocked(django_db_blocker):  # type: ignore[no-untyped-def]
    """Our own file database, not the test database: pytest-django's guard need not apply."""
    with django_db_blocker.unblock():
        yield


def wrapper_for(path: Path):  # type: ignore[no-untyped-def]
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "bonta.db.sqlite3",
                "NAME": str(path),
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
            }
        }
    )
    return handler["default"]  # a handler of its own: not the test database's connection


def test_a_read_only_transaction_holds_no_write_lock_and_refuses_a_write(
    wal_file: Path, unblocked: None
) -> None:
    ours = wrapper_for(wal_file)
    other = sqlite3.connect(wal_file, timeout=0, isolation_level=None)  # never waits for a lock
    try:
        with read_only():
            ours.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        with ours.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone() == (0,)
            # Another process writes and commits meanwhile: no lock is held against it …
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO t VALUES (1)")
            other.execute("COMMIT")
            # … and this transaction still reads the state it began with (one snapshot).
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone() == (0,)
            with pytest.raises(OperationalError, match="readonly"):
                cursor.execute("INSERT INTO t VALUES (2)")
        ours.commit()
        ours.set_autocommit(True)
        # After it, the connection writes again, and a normal transaction takes the lock at BEGIN.
        ours.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        with ours.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (3)")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        ours.commit()
        ours.set_autocommit(True)
        assert other.execute("SELECT n FROM t ORDER BY n").fetchall() == [(1,), (3,)]
    finally:
        other.close()
        ours.close()


def test_a_rolled_back_read_only_transaction_leaves_the_connection_writable(
    wal_file: Path, unblocked: None
) -> None:
    ours = wrapper_for(wal_file)
    try:
        with read_only():
            ours.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        ours.rollback()
        ours.set_autocommit(True)
        with ours.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
            cursor.execute("PRAGMA query_only")
            assert cursor.fetchone() == (0,)
    finally:
        ours.close()


# ---- audited_read on the test database ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_event_is_written_after_the_read_with_what_was_recorded() -> None:
    who, patient_id = actor(), uuid4()
    with audited_read():
        read(who, patient_id, count=4)
        if SQLITE:
            assert query_only() == 1  # the snapshot: no write lock, no write
            assert not AuditEvent.objects.exists()  # written when the read has ended
    assert query_only() == 0
    (event,) = AuditEvent.objects.all()
    assert (event.action, event.patient_id, event.actor_id, event.detail) == (
        "patient.read",
        patient_id,
        who.pk,
        {"count": 4},
    )


@pytest.mark.django_db(transaction=True)
def test_a_read_that_raises_writes_no_event() -> None:
    def page() -> None:
        with audited_read():
            read(actor(), uuid4())
            raise LookupError("the page failed")

    with pytest.raises(LookupError):
        page()
    assert not AuditEvent.objects.exists()
    assert query_only() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not SQLITE, reason="SQLite's read-only snapshot")
def test_a_write_inside_an_audited_read_fails_and_nothing_is_written() -> None:
    def page() -> None:
        with audited_read():
            read(actor(), uuid4())
            AuditEvent.objects.create(action="x", object_type="y")  # any write: refused

    with pytest.raises(OperationalError, match="readonly"):
        page()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_one_read_event_inside_an_audited_read_is_one_row() -> None:
    who, patient_id = actor(), uuid4()
    with audited_read(), one_read_event(actor=who, patient_id=patient_id):
        read(who, patient_id, count=1)
        read(who, patient_id, count=2)
    (event,) = AuditEvent.objects.all()
    assert event.detail["shown"] == [
        {
            "action": "patient.read",
            "object_type": "patient",
            "object_id": str(patient_id),
            "count": 2,
        }
    ]


@pytest.mark.django_db
def test_inside_a_transaction_already_it_is_a_savepoint_and_records_at_once() -> None:
    with transaction.atomic(), audited_read():
        read(actor(), uuid4())
        assert AuditEvent.objects.count() == 1
        assert query_only() == 0
