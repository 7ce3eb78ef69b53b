"""`bonta worker`: send appointment reminders (see `bonta.reminders.worker`), or `--status`.

Each pass of the loop also seals the audit events waiting to be linked into the chain
(`bonta.audit.sealer`), so a clinic running the worker has its chain sealed every pass
(`--poll` seconds when idle) even with no `bonta serve` running, and sweeps the recall list's
stale marks older than a few seconds (`OTHER_JOBS`, `bonta.appointments.services.stale`).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.reminders import config


class Command(BaseCommand):
    help = "Send appointment reminder e-mails over SMTP until SIGTERM (after the current one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--until-idle", action="store_true", help="exit when nothing is left to send"
        )
        parser.add_argument("--batch", type=int, default=20, help="reminders claimed at a time")
        parser.add_argument("--poll", type=float, default=5.0, help="seconds between idle passes")
        parser.add_argument(
            "--enqueue-every", type=float, default=60.0, help="seconds between enqueue passes"
        )
        parser.add_argument(
            "--status",
            action="store_true",
            help="print the outbox counts and the uncertain and failed reminders (ids and codes "
            "only), the unsealed audit window and the stale recall marks (counts and the oldest "
            "one's age in seconds) as JSON, then exit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            from bonta.reminders.queries import background_status, outbox_status

            self.stdout.write(json.dumps({**outbox_status(), **background_status()}, indent=2))
            return
        if options["batch"] < 1 or options["poll"] <= 0 or options["enqueue_every"] < 0:
            raise CommandError("--batch must be at least 1, --poll and --enqueue-every positive")
        from bonta.reminders.worker import Worker

        class SealingWorker(Worker):
            def step(self, total: Any = None) -> bool:
                from bonta.audit.sealer import seal_quietly

                seal_quietly()
                return super().step(total)

        try:
            smtp = config.smtp_config()
            worker = SealingWorker(
                batch_size=options["batch"],
                poll_seconds=options["poll"],
                enqueue_every_seconds=options["enqueue_every"],
            )
        except ImproperlyConfigured as error:
            raise CommandError(f"{error} (see README: Reminders)") from None
        self.stdout.write(
            f"reminder worker {worker.name}: SMTP {smtp.host}:{smtp.port} ({smtp.tls}); "
            f"SIGTERM or Ctrl-C stops after the current message"
        )
        self.stdout.flush()
        total = worker.run(until_idle=options["until_idle"], once=options["once"])
        self.stdout.write(
            f"stopped: {total.sent} sent, {total.retried} to retry, {total.failed} failed, "
            f"{total.uncertain} uncertain, {total.skipped} skipped"
        )
