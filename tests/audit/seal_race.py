"""Writers and several sealers at once, shared by the sealer concurrency tests.

Run as a script (`python tests/audit/seal_race.py race|kill`) it migrates the database named by
DATABASE_URL and prints the outcome as JSON: the SQLite tests use it on a real file database
(SQLite's in-memory test database cannot make writers wait for each other), and `kill` needs a
process to kill.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

WRITERS, EVENTS_EACH, SEALERS = 6, 15, 3


def race() -> dict[str, Any]:
    """WRITERS threads each record EVENTS_EACH events (one per transaction) while SEALERS
    threads seal in small batches as fast as they can; then one last seal."""
    from django.db import connection, transaction

    from bonta.audit.chain import verify
    from bonta.audit.log import record
    from bonta.audit.models import AuditEvent
    from bonta.audit.sealer import seal_all, seal_batch

    errors: list[str] = []
    writing = threading.Event()
    start = threading.Barrier(WRITERS + SEALERS)

    def write() -> None:
        try:
            start.wait()
            for _ in range(EVENTS_EACH):
                with transaction.atomic():
                    record("patient.read", actor=None, object_type="patient")
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    def seal() -> None:
        try:
            start.wait()
            while writing.is_set():
                seal_batch(limit=4)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    writing.set()
    writers = [threading.Thread(target=write) for _ in range(WRITERS)]
    sealers = [threading.Thread(target=seal) for _ in range(SEALERS)]
    for thread in writers + sealers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    writing.clear()
    for thread in sealers:
        thread.join(timeout=120)
    seal_all()
    result = verify()
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    return {
        "errors": errors,
        "events": AuditEvent.objects.count(),
        "seqs_are_1_to_n": seqs == list(range(1, len(seqs) + 1)),
        "verify": result.line().split(";")[0],
    }


def expected_race() -> dict[str, Any]:
    n = WRITERS * EVENTS_EACH
    return {
        "errors": [],
        "events": n,
        "seqs_are_1_to_n": True,
        "verify": f"audit chain intact: {n} events, head #{n}",
    }


def killed_mid_batch() -> None:
    """Write 5 events, seal 2, then start sealing the other 3 and die (os._exit) after their
    UPDATEs, before the commit. The parent then looks at what is left."""
    from django.db import transaction

    from bonta.audit import sealer
    from bonta.audit.log import record

    with transaction.atomic():
        for _ in range(5):
            record("patient.read", actor=None, object_type="patient")
    sealer.seal_batch(limit=2)

    def die(*args: object, **kwargs: object) -> str:
        os._exit(9)  # the process is gone mid-transaction: no rollback code runs

    sealer.head_mac = die  # type: ignore[assignment]  # called after the events' UPDATEs
    sealer.seal_batch()


def after_the_kill() -> dict[str, Any]:
    from bonta.audit.chain import verify
    from bonta.audit.models import AuditEvent
    from bonta.audit.sealer import seal_all

    before = {
        "sealed": AuditEvent.objects.filter(seq__isnull=False).count(),
        "unsealed": AuditEvent.objects.filter(seq__isnull=True).count(),
        "intact": verify().ok,
    }
    seal_all()
    return {**before, "after_sealing_again": verify().line().split(";")[0]}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    mode = sys.argv[1]
    if mode == "race":
        print(json.dumps(race()))
    elif mode == "kill":
        killed_mid_batch()
    else:
        print(json.dumps(after_the_kill()))
