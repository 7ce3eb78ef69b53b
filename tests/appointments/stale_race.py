"""Refreshes of one patient's recall due dates racing sign-offs, shared by the stale-mark tests.

Run as a script (`python tests/appointments/stale_race.py`) it migrates the database named by
DATABASE_URL and prints the outcome as JSON: the SQLite test uses it on a real file database
(SQLite's in-memory test database cannot make writers wait); PostgreSQL runs it in-process.

Two races, each ending with the stored rows compared with what the committed history gives:

- `slow_refresh`: a refresh reads the patient's history and then stalls (a slow process) while
  another session for the patient is signed; the sign-off's own after-commit refresh follows.
- `simultaneous`: several sign-offs for one patient at once, each with its after-commit hook.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

SESSIONS = 5  # 5 x 40 U of BOTOX: within the 400 U cumulative limit, so all sign


def _sign(encounter: Any, clinician: Any) -> None:
    from bonta.records import services
    from bonta.records.errors import SignRefused
    from records.race import overrides

    try:
        services.sign_encounter(encounter, clinician)
    except SignRefused as refused:
        if "retreatment_too_soon" not in {f.code for f in refused.findings}:
            raise
        services.sign_encounter(encounter, clinician, overrides())


def _state(patient_id: Any) -> dict[str, Any]:
    from bonta.appointments.models import RecallStale
    from bonta.appointments.services.recall import computed_rows, stored_rows
    from bonta.records.models import Encounter

    stored, computed = stored_rows([patient_id]), computed_rows([patient_id])
    return {
        "signed": Encounter.objects.filter(patient_id=patient_id, status="signed").count(),
        "rows_current": bool(computed) and stored == computed,
        "marks_left": RecallStale.objects.count(),
    }


def slow_refresh() -> dict[str, Any]:
    from django.db import connection

    from bonta.appointments.services import recall
    from records.race import drafts

    (first, second), clinician = drafts(2)
    _sign(first, clinician)
    patient_id = first.patient_id
    history_read, signer_started = threading.Event(), threading.Event()
    real_due_rows = recall.due_rows
    errors: list[str] = []

    def stalling_due_rows(ids: list[Any]) -> Any:
        rows = real_due_rows(ids)  # the history is read
        if threading.current_thread().name == "slow-refresh":
            history_read.set()
            signer_started.wait(10)
            signer.join(1.5)  # the sign-off gets as far as it can meanwhile
        return rows

    def refresh() -> None:
        try:
            recall.refresh_patients([patient_id])
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    def sign() -> None:
        try:
            history_read.wait(10)
            signer_started.set()
            _sign(second, clinician)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    recall.due_rows = stalling_due_rows  # type: ignore[assignment]
    try:
        signer = threading.Thread(target=sign, name="signer")
        slow = threading.Thread(target=refresh, name="slow-refresh")
        signer.start()
        slow.start()
        slow.join(60)
        signer.join(60)
    finally:
        recall.due_rows = real_due_rows  # type: ignore[assignment]
    return {**_state(patient_id), "errors": errors}


def simultaneous(count: int = SESSIONS) -> dict[str, Any]:
    from django.db import connection

    from records.race import drafts

    encounters, clinician = drafts(count)
    start = threading.Barrier(count)
    errors: list[str] = []

    def sign(encounter: Any) -> None:
        try:
            start.wait()
            _sign(encounter, clinician)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(e,)) for e in encounters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return {**_state(encounters[0].patient_id), "errors": errors}


def expected(signed: int) -> dict[str, Any]:
    return {"signed": signed, "rows_current": True, "marks_left": 0, "errors": []}


if __name__ == "__main__":
    here = Path(__file__).resolve()
    sys.path.insert(0, str(here.parents[1]))  # records.clinic, records.race
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    which = sys.argv[1]
    print(json.dumps(slow_refresh() if which == "slow" else simultaneous()))
