"""Django's SQLite engine (settings: ENGINE "bonta.db.sqlite3") with read-only transactions.

Bonta's transactions begin IMMEDIATE (settings.py): a writing transaction takes SQLite's one
write lock at BEGIN, so two sign-offs queue instead of failing when a read lock would have to
be upgraded. A page that only reads needs no write lock, but under IMMEDIATE its transaction
would hold it for the whole page and every other process's reads and writes would queue
behind it. Inside `read_only()`, the outermost transaction begins DEFERRED instead (in WAL, a
consistent snapshot that never blocks a writer nor waits for one) with `PRAGMA query_only`
on, so a write attempted there fails at once rather than under load. The audit event of such
a read is written after it, in a transaction of its own (`bonta.audit.log.audited_read`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.backends.sqlite3 import base

_READ_ONLY: ContextVar[bool] = ContextVar("bonta_sqlite_read_only", default=False)


@contextmanager
def read_only() -> Iterator[None]:
    """Transactions begun inside this block (the outermost `atomic`) are read-only snapshots."""
    token = _READ_ONLY.set(True)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


class DatabaseWrapper(base.DatabaseWrapper):  # type: ignore[misc]  # Django ships no types here
    def _start_transaction_under_autocommit(self) -> None:
        if not _READ_ONLY.get():
            super()._start_transaction_under_autocommit()
            return
        with self.cursor() as cursor:
            cursor.execute("PRAGMA query_only = ON")
            cursor.execute("BEGIN DEFERRED")
        self._bonta_query_only = True

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._end_query_only()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._end_query_only()

    def _end_query_only(self) -> None:
        if getattr(self, "_bonta_query_only", False):
            self._bonta_query_only = False
            if self.connection is not None:
                with self.wrap_database_errors:
                    self.connection.execute("PRAGMA query_only = OFF")
