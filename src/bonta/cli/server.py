"""`bonta serve`, `demo`, `user`, `token`, `worker`: the commands that need Django.

Django is set up inside `run_django` (never at import), and each command hands over to a
management command: serve and demo live in `bonta.cli.management.commands`, user and token in
`bonta.accounts`, worker in `bonta.reminders`.
"""

from __future__ import annotations

import argparse
import os
import sys

from bonta.cli.output import (
    EXIT_BLOCKED,
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


def run_token(args: argparse.Namespace) -> int:
    return run_django("bonta_issue_token", args.username, name=args.name)


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


def run_django(command: str, *positional: str, **options: object) -> int:
    """Set up Django now (never at import) and run a management command.

    Options left unset are not passed, so the management command's own defaults apply.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django
    from django.core.management import call_command
    from django.core.management.base import CommandError

    django.setup()
    try:
        call_command(command, *positional, **{k: v for k, v in options.items() if v is not None})
    except CommandError as error:
        print(f"bonta: {error}", file=sys.stderr)
        return EXIT_BLOCKED
    return EXIT_OK


DJANGO_COMMANDS = (run_serve, run_demo, run_user, run_token, run_worker, run_export_worker)
