"""Practitioner: a staff user who treats (clinician, nurse) or who signed a session."""

from __future__ import annotations

from typing import Any

from bonta.accounts.models import User
from bonta.fhir.codes import identifier_system
from bonta.fhir.resources._common import drop_empty


def to_fhir(user: User) -> dict[str, Any]:
    name: dict[str, Any] = {"text": user.get_full_name() or user.username}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return drop_empty(
        {
            "resourceType": "Practitioner",
            "id": str(user.pk),
            "identifier": [{"system": identifier_system("staff-username"), "value": user.username}],
            "active": user.is_active,
            "name": [name],
        }
    )
