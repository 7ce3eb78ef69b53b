"""Patient: the person treated. Demographics only; the safety flags are not sent here."""

from __future__ import annotations

from typing import Any

from bonta.fhir.codes import identifier_system
from bonta.fhir.resources._common import day, drop_empty, meta
from bonta.records.models import Patient

# Patient.gender's required value set (FHIR R4 administrative-gender) has Bonta's four values.
GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def to_fhir(patient: Patient) -> dict[str, Any]:
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    return drop_empty(
        {
            "resourceType": "Patient",
            "id": str(patient.pk),
            # No update timestamp is stored: the registration time is the honest lastUpdated.
            "meta": meta(patient.created_at),
            "identifier": [
                {
                    "use": "usual",
                    "system": identifier_system("record-number"),
                    "value": patient.record_number,
                }
            ],
            "name": [
                {"use": "official", "family": patient.family_name, "given": [patient.given_name]}
            ],
            "telecom": telecom,
            "gender": GENDER[patient.sex],
            "birthDate": day(patient.birth_date),
        }
    )


def from_fhir(resource: dict[str, Any]) -> dict[str, Any]:
    """The Patient fields a resource carries (the start of import; round trip in the tests)."""
    name = resource["name"][0]
    telecom = {t["system"]: t["value"] for t in resource.get("telecom", [])}
    return {
        "record_number": resource["identifier"][0]["value"],
        "given_name": " ".join(name.get("given", [])),
        "family_name": name.get("family", ""),
        "birth_date": resource["birthDate"],
        "sex": resource.get("gender", "unknown"),
        "email": telecom.get("email", ""),
        "phone": telecom.get("phone", ""),
    }
