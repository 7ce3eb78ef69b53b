"""FHIR import of a 1,000-entry transaction Bundle: 100 Patient entries (matched by record
number) and 900 MedicationAdministration entries, parsed, checked and written in one
transaction. Target (issue #13): ≤ 2 s.

    BONTA_DATA_DIR=$(mktemp -d) python -m bench.bench_fhir_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonta_bench python -m bench.bench_fhir_import

Each run sends new identifiers (the same bundle twice writes nothing the second time, which
would time the idempotent path instead); the timed call is `import_bundle` on the raw bytes.

The main figure is end to end. A second line times the same import with the history callbacks
(`records.services.encounters.HISTORY_CHANGED`: the appointments' recall refresh) emptied in
this process, "without recall refresh", to show the import's own share.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django

    django.setup()


def build(run: int, patients: list[Any], per_patient: int) -> bytes:
    from bonta.fhir.codes import identifier_system, system

    entries: list[dict[str, Any]] = []
    for p_index, patient in enumerate(patients):
        url = f"urn:uuid:{run}-p{p_index}"
        entries.append(
            {
                "fullUrl": url,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [
                        {
                            "system": identifier_system("record-number"),
                            "value": patient.record_number,
                        }
                    ],
                    "birthDate": patient.birth_date.isoformat(),
                },
                "request": {"method": "PUT", "url": "Patient"},
            }
        )
        for n in range(per_patient):
            entries.append(
                {
                    "fullUrl": f"urn:uuid:{run}-m{p_index}-{n}",
                    "resource": {
                        "resourceType": "MedicationAdministration",
                        "identifier": [{"system": "urn:bench", "value": f"{run}-{p_index}-{n}"}],
                        "status": "completed",
                        "category": {"coding": [{"system": system("pathway"), "code": "cosmetic"}]},
                        "medicationCodeableConcept": {
                            "coding": [{"system": system("product"), "code": "botox_cosmetic"}]
                        },
                        "subject": {"reference": url},
                        "effectiveDateTime": "2020-01-15",
                        "dosage": {
                            "site": {"coding": [{"system": system("muscle"), "code": "procerus"}]},
                            "dose": {"value": 4, "unit": "U (onabotulinumtoxinA)"},
                        },
                    },
                    "request": {"method": "POST", "url": "MedicationAdministration"},
                }
            )
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "meta": {"source": "https://bench.example/fhir"},
        "entry": entries,
    }
    return json.dumps(bundle).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=300, help="demo clinic size")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from bench.common import ensure_demo_database, report
    from bonta.accounts.models import Role, User
    from bonta.fhir.imports import import_bundle
    from bonta.records.models import Patient
    from bonta.records.services.encounters import HISTORY_CHANGED

    ensure_demo_database(max(args.patients, 100))
    user, _ = User.objects.get_or_create(username="bench_import", defaults={"role": Role.CLINICIAN})
    patients = list(Patient.objects.order_by("record_number")[:100])
    stamp = int(time.time()) * 1000

    def timed(offset: int) -> list[float]:
        samples = []
        for run in range(args.runs):
            body = build(stamp + offset + run, patients, 9)
            started = time.perf_counter()
            result = import_bundle(body, by=user)
            samples.append(time.perf_counter() - started)
            assert result.bundle.written == 900, result.bundle.written
        return samples

    def figures(samples: list[float]) -> dict[str, float]:
        return {
            "median_s": round(statistics.median(samples), 3),
            "max_s": round(max(samples), 3),
        }

    end_to_end = timed(0)
    callbacks = list(HISTORY_CHANGED)
    HISTORY_CHANGED.clear()
    try:
        alone = timed(500)
    finally:
        HISTORY_CHANGED.extend(callbacks)
    report(
        "fhir_import",
        {
            "engine": connection.vendor,
            "entries": 1000,
            "runs": args.runs,
            **figures(end_to_end),
            "without_recall_refresh": figures(alone),
        },
        "≤ 2 s for a 1,000-entry bundle",
    )
    print(f"without recall refresh (HISTORY_CHANGED emptied): {figures(alone)}")


if __name__ == "__main__":
    main()
