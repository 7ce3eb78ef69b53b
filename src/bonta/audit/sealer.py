"""The sealer: links unsealed audit events into the keyed chain, a batch per transaction.

`seal_batch()` is one short transaction: take the chain head (`SELECT … FOR UPDATE` on
PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the write lock), read committed unsealed
events in id order, give each its `seq`, `prev_hash` and `hash` (checking its mark first), and
move the head — conditionally on the head it read. Two sealers at once queue on the head; the
second then sees the first one's events as sealed and takes the next ones. A sealer killed
mid-batch commits nothing: all of a batch or none of it.

Order: on SQLite writers are serialised, so id order is commit order. On PostgreSQL an event
with a lower id can commit after one with a higher id; nothing waits for it or skips it: the
sealer never keeps a watermark, it seals whatever is committed and unsealed (`seq IS NULL`),
so that event is sealed in the next batch with a later `seq`. The chain's order is therefore
the order events became visible, batch by batch, and id order within a batch.

Where it runs: `bonta worker` (every loop), one thread in one `bonta serve` worker process
(`start_background`, a file lock picks the process), and on demand (`bonta audit seal`,
`bonta audit verify`).
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, close_old_connections, connection, transaction

from bonta.audit.chain import GENESIS, event_hash, head_mac, mark_matches
from bonta.audit.keys import audit_key
from bonta.audit.models import AuditEvent, ChainHead

log = logging.getLogger("bonta.audit.sealer")

BATCH = 1000  # events per transaction: a batch holds the head for milliseconds
INTERVAL = 1.0  # seconds between the background sealer's passes


class UnsealedEventTampered(Exception):
    """An unsealed event's mark does not match its content: it was changed after it was
    written. Nothing is sealed after it until someone looks (`bonta audit verify`)."""


class ChainHeadMoved(Exception):
    """The head moved under a sealing batch (it cannot while locked): the batch rolled back."""


@dataclass(frozen=True)
class Sealed:
    """What one call sealed: how many events, and the head it left."""

    events: int
    head_seq: int


def seal_batch(limit: int = BATCH) -> Sealed:
    """Seal up to `limit` committed unsealed events, oldest id first, in one transaction."""
    key = audit_key()
    with transaction.atomic():
        head_seq, head_hash = _locked_head()
        batch = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:limit])
        if not batch:
            return Sealed(0, head_seq)
        rows = []
        seq, prev = head_seq, head_hash
        for event in batch:
            if not mark_matches(event, key):
                raise UnsealedEventTampered(
                    f"unsealed audit event id {event.id} was changed after it was written; "
                    "run `bonta audit verify`"
                )
            event.seq, event.prev_hash = seq + 1, prev
            event.hash = event_hash(prev, event, key)
            rows.append((event.seq, event.prev_hash, event.hash, event.id))
            seq, prev = event.seq, event.hash
        table = connection.ops.quote_name(AuditEvent._meta.db_table)
        head = connection.ops.quote_name(ChainHead._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s "  # noqa: S608
                "WHERE id = %s AND seq IS NULL",
                rows,
            )
            cursor.execute(
                f"UPDATE {head} SET seq = %s, hash = %s, mac = %s "  # noqa: S608
                "WHERE id = 1 AND seq = %s AND hash = %s",
                [seq, prev, head_mac(seq, prev, key), head_seq, head_hash],
            )
            if cursor.rowcount != 1:
                raise ChainHeadMoved("the audit chain head moved during sealing; nothing sealed")
        # The events' own UPDATEs are guarded by seq IS NULL and the unique seq: a row another
        # sealer had sealed would make a duplicate seq or match nothing; count to be sure.
        if AuditEvent.objects.filter(seq__gt=head_seq, seq__lte=seq).count() != len(rows):
            raise ChainHeadMoved("another sealer sealed some of these events; nothing sealed")
    return Sealed(len(rows), seq)


def seal_all(limit: int = BATCH) -> Sealed:
    """Seal until nothing committed is left unsealed (one transaction per batch)."""
    total, head_seq = 0, 0
    while True:
        done = seal_batch(limit)
        total, head_seq = total + done.events, done.head_seq
        if done.events < limit:
            return Sealed(total, head_seq)


def _locked_head() -> tuple[int, str]:
    """The chain head's (seq, hash), its row locked until the transaction ends."""
    found = _select_head()
    if found is not None:
        return found
    # First seal ever (or after a test flush): create the head; a racing creator loses on
    # the primary key and then waits on the lock like everyone else.
    try:
        with transaction.atomic():
            ChainHead.objects.create(pk=1, seq=0, hash=GENESIS, mac=head_mac(0, GENESIS))
    except IntegrityError:
        pass
    found = _select_head()
    if found is None:
        raise ChainHead.DoesNotExist("the audit chain head could not be created")
    return found


def _select_head() -> tuple[int, str] | None:
    table = connection.ops.quote_name(ChainHead._meta.db_table)
    lock = (
        f" {connection.ops.for_update_sql()}" if connection.features.has_select_for_update else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {table} WHERE id = 1{lock}")  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1])


# ---- in the background: one thread in one process ---------------------------------------------


def start_background(lock_file: Path, interval: float = INTERVAL) -> threading.Thread:
    """Start a daemon thread that seals every `interval` seconds — in the one process that
    holds `lock_file` (an exclusive, non-blocking `flock`). Every `bonta serve` worker starts
    one; the others retry the lock each interval, so when the sealing worker exits (or is
    killed and replaced) another takes over. The kernel drops the lock with the process."""
    thread = threading.Thread(
        target=_background, args=(lock_file, interval), name="bonta-audit-sealer", daemon=True
    )
    thread.start()
    return thread


def _background(lock_file: Path, interval: float) -> None:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                time.sleep(interval)  # another process seals
                continue
            log.info("audit sealer running in this process")
            while True:  # until the process exits (a daemon thread)
                seal_quietly()
                time.sleep(interval)


def seal_quietly() -> int:
    """One `seal_all` for a loop (worker, server thread): errors are logged, never raised —
    the events stay unsealed and the next pass tries again. Returns how many were sealed."""
    try:
        if not connection.in_atomic_block:  # (tests run inside one)
            close_old_connections()  # a restarted database: reconnect
        return seal_all().events
    except UnsealedEventTampered as error:
        log.error("%s", error)
    except Exception:  # a database restart, a lock timeout: try again next pass
        log.exception("audit sealing failed; retrying next pass")
        connection.close()
    return 0
