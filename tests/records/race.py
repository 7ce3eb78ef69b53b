"""Simultaneous sign-offs for one patient, shared by the concurrency tests.

Run as a script (`python tests/records/race.py N`) it migrates the database named by
DATABASE_URL and prints the outcome as JSON: the SQLite test uses it on a real file database,
because SQLite's in-memory test database cannot make writers wait for each other.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

LIMIT_UNITS = Decimal(400)  # products.toml [botox.cumulative_limit], label §1.5
PER_SESSION = Decimal(40)


# Same-day sessions on the same muscles also raise retreatment_too_soon once one of them is
# signed; the clinician overrides that one (with a coded reason) so only the cumulative limit
# decides who signs. An override of a finding the check does not raise is refused, so each
# sign-off is tried as it stands first and again with the override when re-treatment blocks it.
OVERRIDES = [
    {
        "finding": "retreatment_too_soon",
        "reason": "documented_clinical_need",
        "note": "Split session recorded as separate encounters",
    }
]


def overrides() -> list[Any]:
    from bonta.records.services import OverrideInput

    return [
        OverrideInput(
            "retreatment_too_soon",
            "documented_clinical_need",
            "Split session recorded as separate encounters",
        )
    ]


def drafts(count: int) -> tuple[list[Any], Any]:
    from bonta.accounts.models import Role
    from bonta.records import services
    from records.clinic import SESSION_AT, injections, make_patient, make_user, make_vial

    clinician = make_user("dr_race", Role.CLINICIAN)
    patient = make_patient(clinician, "R-001")
    opened = []
    for n in range(count):
        vial = make_vial(clinician, product="botox", diluent_ml="2", lot=f"R{n}")
        opened.append(
            services.open_encounter(
                patient,
                by=clinician,
                pathway="chronic_migraine",
                product="botox",
                at=SESSION_AT + timedelta(minutes=n),
                vial=vial.pk,
                injections=injections(("temporalis", "left", "20"), ("temporalis", "right", "20")),
            )
        )
    return opened, clinician


def sign_all_at_once(encounters: list[Any], clinician: Any) -> Counter[str]:
    """Release every sign-off together, each in its own thread and connection."""
    from django.db import connection

    from bonta.records import services
    from bonta.records.errors import SignRefused

    outcomes: Counter[str] = Counter()
    start = threading.Barrier(len(encounters))
    lock = threading.Lock()

    def sign(encounter: Any) -> None:
        try:
            start.wait()
            try:
                services.sign_encounter(encounter, clinician)
            except SignRefused as refused:
                if "retreatment_too_soon" not in {f.code for f in refused.findings}:
                    raise
                services.sign_encounter(encounter, clinician, overrides())
            result = "signed"
        except SignRefused as refused:
            result = ",".join(sorted({f.code for f in refused.findings}))
        except Exception as error:  # counted, so the test shows it
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=sign, args=(e,)) for e in encounters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def outcome(count: int) -> dict[str, Any]:
    from django.db.models import Sum

    from bonta.audit.log import verify_chain
    from bonta.domain.units import format_units
    from bonta.records.models import Administration, Encounter

    encounters, clinician = drafts(count)
    results = sign_all_at_once(encounters, clinician)
    total = Administration.objects.aggregate(total=Sum("units"))["total"]
    return {
        "outcomes": dict(results),
        "total_units": format_units(total),
        "signed": Encounter.objects.filter(status="signed").count(),
        "chain_whole": verify_chain() is None,
    }


def expected(count: int) -> dict[str, Any]:
    from bonta.domain.units import format_units

    fits = int(LIMIT_UNITS // PER_SESSION)
    return {
        "outcomes": {"signed": fits, "cumulative_dose_exceeded": count - fits},
        "total_units": format_units(LIMIT_UNITS),
        "signed": fits,
        "chain_whole": True,
    }


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    print(json.dumps(outcome(int(sys.argv[1]))))
