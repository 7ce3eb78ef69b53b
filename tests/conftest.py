"""Shared test configuration. Tests never touch the network; database tests get their own
database (SQLite in memory, or a `test_` database on PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import pytest


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"bonta database: {settings.DATABASES['default']['ENGINE']}"


# ---- The test flush guard (migration audit 0004) ------------------------------------------------
# Signed records and audit events refuse DELETE/TRUNCATE in the database itself. Transactional
# tests end with Django's flush (SQLite: DELETE FROM every table; PostgreSQL: TRUNCATE), which
# those triggers let through only while `bonta_flush_guard` holds its row. This wrapper — the
# guard's one user, test-only — sets the row, flushes and removes it in one transaction.


def _flush_with_guard(original):  # type: ignore[no-untyped-def]
    def execute_sql_flush(self, sql_list):  # type: ignore[no-untyped-def]
        from django.db import transaction

        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                cursor.execute("INSERT INTO bonta_flush_guard (id) VALUES (1)")
            original(self, sql_list)
            with self.connection.cursor() as cursor:
                cursor.execute("DELETE FROM bonta_flush_guard")

    return execute_sql_flush


def pytest_configure(config: pytest.Config) -> None:
    from django.db.backends.base.operations import BaseDatabaseOperations

    BaseDatabaseOperations.execute_sql_flush = _flush_with_guard(  # type: ignore[method-assign]
        BaseDatabaseOperations.execute_sql_flush
    )
