"""`bonta serve`, `demo`, `migrate`, `user`, `token`, `worker`: the commands that need Django.

Django is set up inside `run_django` (never at import), and each command hands over to a
management command: serve and demo live in `bonta.cli.management.commands`; user, token, unlock
and mfa-reset in `bonta.accounts`, worker in `bonta.reminders`.
"""

from __future__ import annotations

import argparse
import os
import sys

from bonta.cli.output import (
    EXIT_BLOCKED,
    EXIT_INVALID,
    EXIT_OK,
)


def run_serve(args: argparse.Namespace) -> int:
    return run_django(
        "bonta_serve",
        demo=args.demo,
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
    )


def run_demo(args: argparse.Namespace) -> int:
    return run_django("bonta_demo", patients=args.patients, seed=args.seed, years=args.years)


ROLES = ("clinician", "nurse", "reception", "manager")  # bonta.accounts.models.Role


def run_user(args: argparse.Namespace) -> int:
    return run_django(
        "bonta_user", args.username, role=args.role, password_stdin=args.password_stdin or None
    )


def run_unlock(args: argparse.Namespace) -> int:
    return run_django("bonta_unlock", args.username)


def run_mfa_reset(args: argparse.Namespace) -> int:
    return run_django("bonta_mfa_reset", args.username)


def run_token(args: argparse.Namespace) -> int:
    return run_django(
        "bonta_issue_token",
        *([args.username] if args.username else []),
        name=args.name,
        days=args.days,
        list=args.list or None,
        revoke=args.revoke,
    )


def run_worker(args: argparse.Namespace) -> int:
    return run_django(
        "bonta_worker",
        until_idle=args.until_idle or None,
        once=args.once or None,
        batch=args.batch,
        status=args.status or None,
    )


def run_export_worker(args: argparse.Namespace) -> int:
    return run_django("bonta_export_worker", until_idle=args.until_idle or None)


def run_migrate(args: argparse.Namespace) -> int:
    return run_django("migrate", interactive=False)


NOT_SET_UP = "bonta: the database is not set up (or not up to date): run `bonta migrate` first"


def run_django(command: str, *positional: str, **options: object) -> int:
    """Set up Django now (never at import) and run a management command.

    Options left unset are not passed, so the management command's own defaults apply.
    A database whose tables are missing (a fresh data directory, or migrations not applied)
    gets one line saying what to run, exit 2: a user or worker command never migrates a
    database by itself (on a production database that is the operator's decision).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import DatabaseError, OperationalError, ProgrammingError

    django.setup()
    try:
        call_command(command, *positional, **{k: v for k, v in options.items() if v is not None})
    except CommandError as error:
        print(f"bonta: {error}", file=sys.stderr)
        return EXIT_BLOCKED
    except (OperationalError, ProgrammingError):
        if command == "migrate" or not _migrations_pending(DatabaseError):
            raise  # not a missing table: the traceback is the operator's clue
        print(NOT_SET_UP, file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def _migrations_pending(database_error: type[Exception]) -> bool:
    """Whether the default database lacks migrations (or the migration table itself)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        connection.close()  # the failed statement may have left PostgreSQL's transaction aborted
        executor = MigrationExecutor(connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except database_error:
        return False  # the database cannot be read at all: not a question of migrations


DJANGO_COMMANDS = (
    run_serve,
    run_demo,
    run_migrate,
    run_user,
    run_token,
    run_worker,
    run_unlock,
    run_mfa_reset,
    run_export_worker,
)
