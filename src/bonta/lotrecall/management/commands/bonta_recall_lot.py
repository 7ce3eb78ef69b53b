"""`bonta recall-lot LOT --by USER [--csv FILE]`: every patient who received a lot.

Prints one line per patient and session (record number, name, session date, pathway, units,
contact); `--csv FILE` writes the same columns as the web export instead. Audited per patient
as a read by USER, who must be a manager or a clinician.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.accounts.models import User
from bonta.domain.errors import DomainError
from bonta.lotrecall import services
from bonta.records.errors import NotAllowed


class Command(BaseCommand):
    help = "List every patient who received a lot (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lot")
        parser.add_argument("--by", required=True, help="username of the manager or clinician")
        parser.add_argument("--csv", type=Path, help="write CSV to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["by"], is_active=True).first()
        if user is None:
            raise CommandError(f"by: no active user {options['by']!r}")
        try:
            search = services.criteria(lot=options["lot"])
            exposures = services.search_exposures(search, by=user)
        except DomainError as error:
            raise CommandError(error.message) from None
        except NotAllowed as error:
            raise CommandError(f"by: {error.message}") from None
        if options["csv"] is not None:
            try:
                Path(options["csv"]).write_text(services.exposures_csv(exposures), encoding="utf-8")
            except OSError as error:
                raise CommandError(f"csv: cannot write it ({error.strerror})") from None
            self.stdout.write(
                f"{len(exposures)} patients, {sum(len(e.sessions) for e in exposures)} sessions "
                f"written to {options['csv']}"
            )
            return
        for e in exposures:
            contact = " ".join(x for x in (e.phone, e.email) if x) or "no contact recorded"
            for s in e.sessions:
                where = f"\trecorded elsewhere: {s.elsewhere}" if s.elsewhere else ""
                self.stdout.write(
                    f"{e.record_number}\t{e.family_name}, {e.given_name}\t{s.on}\t{s.pathway}\t"
                    f"{s.units_text}\t{s.sites_text}\t{contact}{where}"
                )
        self.stdout.write(f"{len(exposures)} patients received {search.describe()}")
