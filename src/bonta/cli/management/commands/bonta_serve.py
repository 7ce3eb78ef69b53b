"""`bonta serve [--demo]`: migrate, maybe seed demo data, serve with gunicorn (several processes).

The parent process migrates and loads the demo clinic once, binds the socket itself (so a busy
port is one line and exit 2, never a retry loop or a traceback), closes its database
connections and only then lets gunicorn fork the workers. Each worker opens its own database
connections from settings, so SQLite's WAL, busy timeout and IMMEDIATE transactions hold in
every process; PostgreSQL (DATABASE_URL) is served by the same command. SIGINT (Ctrl-C) and
SIGTERM stop the workers and exit 0; SIGTERM lets requests in flight finish first.

With --demo the process runs in demo mode (settings.BONTA_DEMO, set in the parent before the
workers fork): the accounts the demo loader made sign in without MFA. Without --demo,
BONTA_DEMO=1 in the environment does the same.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from typing import Any, NoReturn

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

EXIT_PORT_IN_USE = 2  # bonta.cli.output.EXIT_INVALID: the user's choice of port is the problem


def default_workers() -> int:
    """Two per core. gunicorn's rule of thumb adds one more, but Bonta's requests spend little
    time waiting (a local database, short queries): on 2 cores bench_load measured 4 processes
    at least as fast as 5 with 20 clients, p95 lower (docs/deployment.md §1)."""
    return 2 * (os.cpu_count() or 1)


class Command(BaseCommand):
    help = "Migrate the database, optionally load demo data, and serve Bonta with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="load a demo clinic if empty")
        parser.add_argument("--demo-patients", type=int, default=300)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=None, help="processes (default 2 x cores)"
        )
        parser.add_argument(
            "--threads", type=int, default=1, help="threads per process (>1: gthread workers)"
        )
        parser.add_argument(
            "--timeout", type=int, default=60, help="seconds before a stuck worker restarts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workers = default_workers() if options["workers"] is None else options["workers"]
        threads = options["threads"]
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        if threads < 1:
            raise CommandError("--threads must be at least 1")
        host, port = options["host"], options["port"]
        if not 0 <= port <= 65535:
            raise CommandError(f"--port must be between 0 and 65535, not {port}")

        listener = bind(host, port)  # before the slow part: a busy port fails at once
        self._prepare(options)
        from django.db import connections

        connections.close_all()  # no connection may cross the fork into the workers

        bound_port = listener.getsockname()[1]
        url = f"http://{host}:{bound_port}"
        banner = (
            f"Bonta is serving on {url} with {workers} worker process(es) x {threads} thread(s)"
            f"  (API docs: {url}/api/docs; Ctrl-C stops)"
        )
        from bonta.cli.gunicorn_app import BontaServer

        BontaServer(
            listener,
            workers=workers,
            threads=threads,
            timeout=options["timeout"],
            on_ready=lambda: self._announce(banner),
        ).run()

    def _announce(self, banner: str) -> None:
        self.stdout.write(banner)
        self.stdout.flush()

    def _prepare(self, options: dict[str, Any]) -> None:
        """Migrations and the demo clinic: once, here in the parent, before any worker forks."""
        call_command("migrate", interactive=False, verbosity=0)
        if not options["demo"]:
            return
        from bonta.demo.clinic import (
            DEMO_PASSWORD,
            DEMO_USERS,
            ensure_demo_portal_account,
            ensure_demo_users,
        )
        from bonta.records.models import Patient

        ensure_demo_users()
        if not Patient.objects.exists():
            call_command("bonta_demo", patients=options["demo_patients"], seed=1)
        portal = ensure_demo_portal_account()
        from django.conf import settings

        # Demo mode for this process and its workers only: the demo accounts sign in without MFA
        # (the accounts are flagged in the database; no other account is affected).
        settings.BONTA_DEMO = True
        self.stdout.write(
            "Demo mode (BONTA_DEMO): the demo logins below sign in without MFA. "
            "Never serve real patient data with --demo."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {role}")
        if portal:
            self.stdout.write(f"  {portal:<12} patient: sign in at /portal/login/")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port), or one line on stderr and exit 2."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        _refuse(f"bonta: cannot listen on {host!r}: no such address on this machine")
    family, kind, proto, _, address = infos[0]
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
    try:
        listener.bind(address)
        listener.listen(2048)
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            _refuse(
                f"bonta: port {port} is in use on {host} (another bonta serve?); "
                "stop it or choose another with --port"
            )
        if error.errno in (errno.EACCES, errno.EPERM):
            _refuse(f"bonta: not allowed to listen on port {port} (ports below 1024 need root)")
        _refuse(f"bonta: cannot listen on {host}:{port}: {error.strerror}")
    listener.set_inheritable(True)
    return listener


def _refuse(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(EXIT_PORT_IN_USE)
