"""MedicationAdministration: one injection point of a signed session.

The product and the lot it came from travel as a *contained* Medication; the dose is in that
product's own units, labelled with its unit system ("U (onabotulinumtoxinA)") and coded in
Bonta's unit code system, so no reader can add two products' units as if they were one.
"""

from __future__ import annotations

from typing import Any

from bonta.domain.anatomy import muscles
from bonta.domain.products import get_product
from bonta.domain.units import format_units
from bonta.fhir.codes import base, coding, concept, muscle_codings, published, system, unit_display
from bonta.fhir.resources._common import day, drop_empty, instant, meta, number, ref, signer
from bonta.records.models import Administration

LATERALITY_EXTENSION = "StructureDefinition/laterality"


def laterality_url() -> str:
    return f"{base()}/{LATERALITY_EXTENSION}"


def to_fhir(row: Administration) -> dict[str, Any]:
    """`row` with `encounter`, `encounter__signed_by` and `vial` selected."""
    encounter = row.encounter
    assert encounter.signed_by is not None
    product = get_product(row.product)
    unit = unit_display(product.unit_system)
    site_text = f"{muscles()[row.muscle].name}, {row.side}"
    medication = {
        "resourceType": "Medication",
        "id": "product",
        "code": concept("product", row.product),
        "ingredient": [{"itemCodeableConcept": {"coding": [published("botulinum_toxin_type_a")]}}],
        "batch": {"lotNumber": row.lot, "expirationDate": day(row.vial.expiry)},
    }
    return drop_empty(
        {
            "resourceType": "MedicationAdministration",
            "id": str(row.pk),
            "meta": meta(encounter.signed_at),
            "contained": [medication],
            "status": "completed",
            "category": concept("pathway", encounter.pathway),
            "medicationReference": {"reference": "#product", "display": product.display},
            "subject": ref("Patient", encounter.patient_id),
            "context": ref("Encounter", encounter.pk),
            "effectiveDateTime": instant(encounter.at),
            "performer": [{"actor": signer(encounter.signed_by)}],
            "partOf": [ref("Procedure", encounter.pk)],
            "dosage": {
                "text": f"{format_units(row.units)} {unit} into {site_text}",
                "site": {
                    "extension": [
                        {"url": laterality_url(), "valueCoding": coding("laterality", row.side)}
                    ],
                    "coding": muscle_codings(row.muscle),
                    "text": site_text,
                },
                "dose": {
                    "value": number(row.units),
                    "unit": unit,
                    "system": system("unit"),
                    "code": product.unit_system,
                },
            },
        }
    )


def from_fhir(resource: dict[str, Any]) -> dict[str, Any]:
    """The facts an import needs back: product, lot, muscle, side, units, unit system."""
    medication = next(c for c in resource["contained"] if c["resourceType"] == "Medication")
    product_system = system("product")
    muscle_system = system("muscle")
    dosage = resource["dosage"]
    side = next(
        e["valueCoding"]["code"]
        for e in dosage["site"]["extension"]
        if e["url"] == laterality_url()
    )
    return {
        "product": next(
            c["code"] for c in medication["code"]["coding"] if c["system"] == product_system
        ),
        "lot": medication["batch"]["lotNumber"],
        "muscle": next(c["code"] for c in dosage["site"]["coding"] if c["system"] == muscle_system),
        "side": side,
        "units": dosage["dose"]["value"],
        "unit_system": dosage["dose"]["code"],
    }
