"""`bonta serve [--demo]`: migrate, maybe seed demo data, serve with a production WSGI server.

With --demo the process runs in demo mode (settings.BONTA_DEMO): the accounts the demo loader
made sign in without MFA. Without --demo, BONTA_DEMO=1 in the environment does the same.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Migrate the database, optionally load demo data, and serve Bonta with waitress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="load a demo clinic if empty")
        parser.add_argument("--demo-patients", type=int, default=300)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        import waitress
        from django.conf import settings

        from bonta.demo.clinic import (
            DEMO_PASSWORD,
            DEMO_USERS,
            ensure_demo_portal_account,
            ensure_demo_users,
        )
        from bonta.records.models import Patient
        from bonta.wsgi import application

        call_command("migrate", interactive=False, verbosity=0)
        if options["demo"]:
            ensure_demo_users()
            if not Patient.objects.exists():
                call_command("bonta_demo", patients=options["demo_patients"], seed=1)
            portal = ensure_demo_portal_account()
            # Demo mode for this process only: the demo accounts sign in without MFA (the
            # accounts are flagged in the database; no other account is affected).
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
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(f"Bonta is serving on {url}  (API docs: {url}/api/docs; Ctrl-C stops)")
        waitress.serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            ident="bonta",
        )
