"""Keeping the recall list's stored due dates current without slowing the change that dates them.

A change of a patient's signed history (sign-off, a wear-off report, an imported record) calls
`bonta.records.services.encounters.history_changed`, and `mark_stale` is the callback this app
registers there. Inside the caller's transaction it does only what must be atomic with the
change: it upserts the patient's `RecallStale` mark (one statement), so the mark commits or
rolls back with the change. The recomputation happens after commit:

- **One hook per outermost transaction.** The patient ids marked in a transaction gather in one
  per-thread set, and one `transaction.on_commit` hook refreshes them all in one
  `recall.refresh_patients(ids)` call (an import of 500 patients: one refresh). In a
  `bonta serve` worker (`defer_to_background`) the hook does nothing: the marks wait for the
  server's one background thread, which sweeps every mark each second — so the process that
  answered the request spends nothing on the refresh, not even after the response, where a
  refresher thread in the same process took the CPU from its next request. In a process that
  started a refresher thread (`start_refresher`) the hook hands the ids to it; elsewhere
  (commands, tests, the worker) it refreshes at once, in the caller's thread. A mark made
  in a savepoint that rolls back (its hook is dropped with it) registers a new hook at the
  next mark; refreshing an extra patient is harmless. The hook never
  raises: a failed refresh is logged and its marks stay for the sweep.
- **Idempotent and race-safe.** `refresh_patients` locks the patients' rows (sign-off and
  imports take the same lock), reads each mark's token, then the history, writes the rows and
  clears a mark only if its token is still the one it read. A change committed after the read
  re-marked the patient with a new token, so its mark survives and its own hook (or the sweep)
  recomputes; two refreshes of one patient take turns on the lock, the second computing from
  what is committed. Recomputing twice gives the same rows.
- **The safety net.** A process that dies between commit and its hook leaves marks behind.
  `sweep()` refreshes marks older than `SWEEP_AFTER` (younger ones belong to a hook still
  running): `bonta worker` runs it each pass (registered in `OTHER_JOBS` by bonta.reminders),
  `bonta recall refresh-stale` on demand; the `bonta serve` background thread sweeps every
  mark, whatever its age, each second (its workers run no hooks).
- **The recall list stays right meanwhile**: `recall_list` recomputes the marked patients' due
  dates when it reads (in memory, writing nothing) instead of reading their stored rows, so a
  mark left behind changes how fast the list is read, never what it says.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

from django.db import close_old_connections, connection, transaction
from django.db.models import Min
from django.utils import timezone

from bonta.appointments.models import RecallStale

log = logging.getLogger("bonta.appointments.recall")

SWEEP_AFTER = timedelta(seconds=5)  # a younger mark's own after-commit refresh may be running
SWEEP_BATCH = 500  # patients per refresh transaction in a sweep

_local = threading.local()


def mark_stale(patient_id: UUID) -> None:
    """The `HISTORY_CHANGED` callback: mark the patient (in the caller's transaction) and have
    them refreshed after the outermost transaction commits (at once, outside a transaction)."""
    RecallStale.objects.bulk_create(
        [RecallStale(patient_id=patient_id, token=uuid4(), marked_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["patient"],
        update_fields=["token", "marked_at"],
    )
    if not connection.in_atomic_block:
        if not _deferred:
            refresh_quietly([patient_id])
        return
    _pending().ids.add(patient_id)


class _AfterCommit:
    """The one on_commit hook of a transaction: refresh every patient marked in it."""

    def __init__(self) -> None:
        self.ids: set[UUID] = set()

    def __call__(self) -> None:
        if getattr(_local, "pending", None) is self:
            _local.pending = None
        ids = sorted(self.ids)
        if _deferred:
            return  # the marks are committed: the server's background sweep refreshes them
        if _refresher is not None and _refresher.is_alive():
            _queue.put(ids)
        else:
            refresh_quietly(ids)


# A `bonta serve` worker: hooks leave the marks to the server's background sweep.
_deferred = False


def defer_to_background(on: bool = True) -> None:
    """From now on (in this process), after-commit hooks refresh nothing: the committed marks
    wait for the background sweep (`bonta serve`'s background thread, every second)."""
    global _deferred
    _deferred = on


# The background refresher of this process (None: hooks refresh in the caller's thread).
_queue: queue.Queue[list[UUID] | None] = queue.Queue()
_refresher: threading.Thread | None = None
_refresher_lock = threading.Lock()


def start_refresher() -> threading.Thread:
    """Start (once per process) the daemon thread that runs the after-commit refreshes handed
    to it; what it has not done when the process dies is left marked, for the sweep."""
    global _refresher
    with _refresher_lock:
        if _refresher is None or not _refresher.is_alive():
            _refresher = threading.Thread(
                target=_refresh_forever, name="bonta-recall-refresher", daemon=True
            )
            _refresher.start()
        return _refresher


def stop_refresher(timeout: float = 10.0) -> None:
    """Finish what was handed over, then stop the thread (tests); hooks refresh inline again."""
    global _refresher
    with _refresher_lock:
        thread, _refresher = _refresher, None
    if thread is not None and thread.is_alive():
        _queue.put(None)
        thread.join(timeout)


def _refresh_forever() -> None:
    while True:
        first = _queue.get()
        if first is None:
            _queue.task_done()
            return
        ids, taken = set(first), 1
        while True:  # whatever else is waiting: one refresh for all of it
            try:
                more = _queue.get_nowait()
            except queue.Empty:
                break
            taken += 1
            if more is None:
                _queue.put(None)  # stop after this refresh
                _queue.task_done()
                taken -= 1
                break
            ids.update(more)
        try:
            close_old_connections()  # a restarted database: reconnect
            refresh_quietly(sorted(ids))
        finally:
            for _ in range(taken):
                _queue.task_done()


def wait_for_refresher(timeout: float = 10.0) -> bool:
    """Until the handed-over refreshes are done (tests, benchmarks); False on timeout."""
    deadline = threading.Event()
    done = threading.Thread(target=lambda: (_queue.join(), deadline.set()), daemon=True)
    done.start()
    return deadline.wait(timeout)


def _pending() -> _AfterCommit:
    hook = getattr(_local, "pending", None)
    # Registered and not dropped by a rolled-back savepoint or transaction?
    if hook is None or not any(func is hook for _, func, _ in connection.run_on_commit):
        hook = _AfterCommit()
        transaction.on_commit(hook)
        _local.pending = hook
    return hook


def refresh_quietly(patient_ids: Iterable[UUID]) -> int:
    """Refresh these patients now; an error is logged, never raised (their marks stay and the
    sweep retries). The rows written, or 0."""
    ids = list(patient_ids)
    if not ids:
        return 0
    from bonta.appointments.services.recall import refresh_patients

    try:
        return refresh_patients(ids)
    except Exception:
        log.exception("recall refresh of %d patient(s) failed; the sweep retries", len(ids))
        return 0


def stale_ids(older_than: timedelta = SWEEP_AFTER, limit: int | None = None) -> list[UUID]:
    """Marked patients whose mark is older than `older_than`, oldest first."""
    rows = RecallStale.objects.filter(marked_at__lte=timezone.now() - older_than).order_by(
        "marked_at"
    )
    found = rows.values_list("patient_id", flat=True)
    return list(found if limit is None else found[:limit])


def sweep(older_than: timedelta = SWEEP_AFTER, batch: int = SWEEP_BATCH) -> int:
    """Refresh every patient marked longer ago than `older_than`, `batch` per transaction.
    Raises what the refresh raises. How many patients it refreshed."""
    done = 0
    seen: set[UUID] = set()
    while True:
        ids = [i for i in stale_ids(older_than, batch) if i not in seen]
        if not ids:
            return done
        from bonta.appointments.services.recall import refresh_patients

        refresh_patients(ids)
        seen.update(ids)  # a patient re-marked meanwhile waits for the next pass
        done += len(ids)


def sweep_quietly(older_than: timedelta = SWEEP_AFTER) -> int:
    """One `sweep` for a loop (worker pass, server thread): errors are logged, never raised."""
    try:
        if not connection.in_atomic_block:  # (tests run inside one)
            close_old_connections()
        return sweep(older_than)
    except Exception:
        log.exception("recall sweep failed; retrying next pass")
        if not connection.in_atomic_block:
            connection.close()
    return 0


@dataclass(frozen=True)
class StaleStatus:
    count: int
    oldest_age_seconds: float | None

    def as_dict(self) -> dict[str, object]:
        return {"stale_patients": self.count, "oldest_age_seconds": self.oldest_age_seconds}


def stale_status() -> StaleStatus:
    """How many patients' due dates wait for a refresh, and the oldest mark's age (no ids)."""
    found = RecallStale.objects.aggregate(oldest=Min("marked_at"))
    count = RecallStale.objects.count()
    oldest = found["oldest"]
    age = None if oldest is None else max((timezone.now() - oldest).total_seconds(), 0.0)
    return StaleStatus(count, None if age is None else round(age, 3))
