"""`bonta`: check plan files, browse reference data, and start the Django-backed services.

The pure commands (check, products, protocols, vocab) never import Django, so they start fast
and work without a database. serve and demo set up Django inside their own function
and hand over to management commands. `main(argv)` returns the exit code instead of exiting,
so tests call it in-process.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bonta.cli import audit, backup, diary, lotrecall, recall, schedule
from bonta.cli.check import run_check
from bonta.cli.output import EXIT_BLOCKED, EXIT_BUG, EXIT_INVALID, EXIT_OK, silence_stdout
from bonta.cli.reference import run_products, run_protocols, run_vocab
from bonta.cli.server import (
    DJANGO_COMMANDS,
    ROLES,
    run_demo,
    run_export_worker,
    run_mfa_reset,
    run_migrate,
    run_serve,
    run_token,
    run_unlock,
    run_user,
    run_worker,
)
from bonta.domain.errors import DomainError

__all__ = ["EXIT_BLOCKED", "EXIT_BUG", "EXIT_INVALID", "EXIT_OK", "build_parser", "main"]


EPILOG = """\
exit codes:
  0  success; for `check`: no finding blocks the plan (several files: none blocks)
  1  `check`: at least one finding blocks the plan (`ok` is false; several files: the worst);
     serve/demo: the command failed
  2  invalid input or usage: a one-line error naming the field goes to stderr, nothing to stdout;
     serve: the port is in use or the address cannot be listened on;
     user/token/worker/demo: the database is not set up (run `bonta migrate`)
  3  check/products/protocols/vocab: an internal error (a bug in bonta; please report it)

The plan-file format is described in docs/plan-format.md.
"""


# ---- entry point ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `bonta` command and return its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error (2, message already printed)
        return stop.code if isinstance(stop.code, int) else EXIT_INVALID
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except DomainError as error:
        print(f"bonta: {error.message}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `bonta vocab | head`
        silence_stdout()
        return EXIT_OK
    except Exception as error:
        if args.run in DJANGO_COMMANDS:
            raise  # a server that cannot start needs its traceback
        # The pure commands never show a traceback: one line, and a distinct exit code.
        print(
            f"bonta: internal error (a bug; please report it): {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_BUG


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bonta",
        description="Bonta: a clinic system for botulinum toxin type A (BoNT-A).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name: str, summary: str, run: Callable[[argparse.Namespace], int]) -> Any:
        sub = commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(run=run)
        return sub

    check = command(
        "check",
        "Validate plan files and run the safety engine over each; print the findings as JSON "
        "(several files: one JSON object per line, each with its file name).",
        run_check,
    )
    check.add_argument(
        "plan", metavar="PLAN.json", nargs="+", help="a plan file, or - for stdin; one or more"
    )

    products = command(
        "products", "List the BoNT-A products and what their labels say.", run_products
    )
    products.add_argument("--json", action="store_true", help="print JSON instead of a table")

    protocols_ = command(
        "protocols",
        "List the protocol templates, or expand one for every product it doses.",
        run_protocols,
    )
    protocols_.add_argument("name", nargs="?", metavar="NAME", help="a protocol code")
    protocols_.add_argument("--json", action="store_true", help="print JSON instead of a table")

    vocab = command(
        "vocab",
        "List every code a plan file may use, and the safety engine's finding codes.",
        run_vocab,
    )
    vocab.add_argument("--json", action="store_true", help="print JSON instead of a table")

    serve = command(
        "serve", "Migrate the database and serve the web app and API (gunicorn).", run_serve
    )
    serve.add_argument("--demo", action="store_true", help="load a demo clinic if it is empty")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=int, help="server processes (default 2 x cores)")
    serve.add_argument("--threads", type=int, help="threads per process (default 1)")

    demo = command("demo", "Generate a synthetic demo clinic in the database.", run_demo)
    demo.add_argument("--patients", type=int, metavar="N", help="how many patients")
    demo.add_argument("--seed", type=int, metavar="S", help="random seed (same seed, same clinic)")
    demo.add_argument("--years", type=int, metavar="Y", help="years of history")

    command(
        "migrate",
        "Create or update the database tables (`serve` does this itself on every start).",
        run_migrate,
    )

    user = command("user", "Create a staff user with a role, or change a user's role.", run_user)
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=ROLES)
    user.add_argument("--password-stdin", action="store_true", help="read it from stdin")

    unlock = command(
        "unlock", "End a user's sign-in lockout (clears their failed sign-ins).", run_unlock
    )
    unlock.add_argument("username")

    mfa_reset = command(
        "mfa-reset", "Forget a user's authenticator (lost phone); they set up anew.", run_mfa_reset
    )
    mfa_reset.add_argument("username")

    token = command(
        "token", "Issue an API bearer token (printed once), list tokens, or revoke one.", run_token
    )
    token.add_argument("username", nargs="?", help="the user to issue for (or to --list)")
    token.add_argument("--name", help="what the token is for (default: cli)")
    token.add_argument(
        "--days", type=int, metavar="N", help="days it works (default BONTA_API_TOKEN_DAYS, 90)"
    )
    token.add_argument("--list", action="store_true", help="list tokens, never their keys")
    token.add_argument("--revoke", metavar="ID", help="revoke the token with this id")

    worker = command(
        "worker", "Send appointment reminder e-mails (needs BONTA_SMTP_*; see README).", run_worker
    )
    worker.add_argument("--until-idle", action="store_true", help="exit when nothing is left")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.add_argument("--batch", type=int, help="reminders claimed at a time (default 20)")
    worker.add_argument("--status", action="store_true", help="print the outbox state as JSON")
    exports = command(
        "export-worker",
        "Run queued FHIR $export jobs (a kick-off also runs its job in the server process).",
        run_export_worker,
    )
    exports.add_argument("--until-idle", action="store_true", help="exit when none is queued")

    diary.add_parser(commands)
    schedule.add_parser(commands)
    audit.add_parser(commands)
    backup.add_parser(commands)
    lotrecall.add_parser(commands)
    recall.add_parser(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
