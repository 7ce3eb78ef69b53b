"""Patients with e-mail addresses, and their appointments (no consents: nothing is signed here)."""

from __future__ import annotations

from datetime import date

from bonta.accounts.models import User
from bonta.records import services
from bonta.records.models import Patient


def patient(by: User, n: int = 1, email: str | None = None, **kwargs: object) -> Patient:
    fields: dict[str, object] = {
        "given_name": "Zoë",
        "family_name": "O'Brien",
        "birth_date": date(1984, 2, 29),
        "email": f"patient{n}@mail.example" if email is None else email,
    }
    fields.update(kwargs)
    return services.create_patient(by=by, record_number=f"R-{n:04d}", **fields)  # type: ignore[arg-type]
