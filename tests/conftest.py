"""Shared test configuration. Tests never touch the network; database tests get their own
database (SQLite in memory, or a `test_` database on PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import pytest


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"bonta database: {settings.DATABASES['default']['ENGINE']}"


@pytest.fixture(autouse=True)
def _mfa_off_unless_a_test_asks(settings: object) -> None:
    """The suite's staff sign in with `force_login` or the password form: MFA (required of
    clinicians and managers in production, settings.BONTA_MFA_REQUIRED_ROLES) would stop them
    at the code step. Tests of MFA turn it back on with the `mfa_required` fixture
    (below); tests/accounts/test_security_settings.py checks the production
    default in a fresh process."""
    settings.BONTA_MFA_REQUIRED_ROLES = frozenset()  # type: ignore[attr-defined]


@pytest.fixture
def mfa_required(settings: object) -> None:
    """MFA as in production: clinicians and managers must use it."""
    settings.BONTA_MFA_REQUIRED_ROLES = frozenset({"clinician", "manager"})  # type: ignore[attr-defined]


# ---- The test flush guard (migration audit 0004) ------------------------------------------------
# Signed records and audit events refuse DELETE/TRUNCATE in the database itself. Transactional
# tests end with Django's flush (SQLite: DELETE FROM every table; PostgreSQL: TRUNCATE), which
# those triggers let through only while `bonta_flush_guard` holds its row. This wrapper — the
# guard's one user, test-only — sets the row, flushes and removes it in one transaction.


def _flush_with_guard(original):  # type: ignore[no-untyped-def]
    def execute_sql_flush(self, sql_list):  # type: ignore[no-untyped-def]
        from django.db import DatabaseError, transaction

        try:
            with transaction.atomic(using=self.connection.alias):
                with self.connection.cursor() as cursor:
                    cursor.execute("INSERT INTO bonta_flush_guard (id) VALUES (1)")
                original(self, sql_list)
                with self.connection.cursor() as cursor:
                    cursor.execute("DELETE FROM bonta_flush_guard")
        except DatabaseError as error:
            others = _other_sessions(self.connection)
            raise RuntimeError(f"flush failed: {error}; {others}") from error
        _as_migrations_left_it()

    return execute_sql_flush


def _other_sessions(connection) -> str:  # type: ignore[no-untyped-def]
    """Who else is on the test database (PostgreSQL): a flush fails when a process a test
    started (a server, a thread) still works on it, and the failure should say which."""
    if connection.vendor != "postgresql":
        return "SQLite"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 80) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return f"other sessions on the test database: {cursor.fetchall()}"


def _as_migrations_left_it() -> None:
    """Put back the rows a data migration installs, which the flush removed: the shipped consent
    documents (consent 0003). Without this, a test that relies on them passed or failed by
    which transactional test ran before it in the same process (seen with pytest-xdist)."""
    from bonta.consent.services import install_shipped_documents

    install_shipped_documents()


def pytest_configure(config: pytest.Config) -> None:
    from django.db.backends.base.operations import BaseDatabaseOperations

    BaseDatabaseOperations.execute_sql_flush = _flush_with_guard(  # type: ignore[method-assign]
        BaseDatabaseOperations.execute_sql_flush
    )
