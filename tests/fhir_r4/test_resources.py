"""Every resource type, over a demo clinic, validates as FHIR R4 4.0.1."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bonta.fhir.resources import REGISTRY, medication_administration, patient
from bonta.records.models import Administration, Patient
from fhir_r4.conftest import FhirClient
from fhir_r4.validate import validate

pytestmark = pytest.mark.django_db


def all_of(client: FhirClient, resource_type: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    offset = 0
    while True:
        status, bundle = client.get(f"{resource_type}?_count=100&_offset={offset}")
        assert status == 200, bundle
        validate(bundle)
        found += [e["resource"] for e in bundle.get("entry", [])]
        if not any(link["relation"] == "next" for link in bundle["link"]):
            return found
        offset += 100


@pytest.mark.parametrize("resource_type", sorted(REGISTRY))
def test_every_resource_of_the_demo_clinic_is_valid_r4(
    clinic: dict[str, int], as_grey: FhirClient, resource_type: str
) -> None:
    resources = all_of(as_grey, resource_type)
    assert resources, f"the demo clinic has no {resource_type}"
    for resource in resources:
        assert resource["resourceType"] == resource_type
        validate(resource)


def test_the_demo_clinic_covers_both_observation_sources(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    codes = {o["code"]["coding"][0]["code"] for o in all_of(as_grey, "Observation")}
    assert {"hit6-total", "midas-total", "fws"} <= codes


def test_a_dose_is_in_its_products_own_units_with_the_lot_in_a_contained_medication(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    row = Administration.objects.select_related("vial").first()
    assert row is not None
    status, resource = as_grey.get(f"MedicationAdministration/{row.pk}")
    assert status == 200
    dose = resource["dosage"]["dose"]
    unit_system = {"botox": "onabotulinumtoxinA", "botox_cosmetic": "onabotulinumtoxinA"}.get(
        row.product, dose["code"]
    )
    assert dose["code"] == unit_system
    assert dose["unit"] == f"U ({dose['code']})"
    assert dose["system"].endswith("/CodeSystem/unit")
    assert Decimal(str(dose["value"])) == row.units
    (medication,) = resource["contained"]
    assert resource["medicationReference"]["reference"] == "#product"
    assert medication["batch"] == {"lotNumber": row.lot, "expirationDate": str(row.vial.expiry)}
    assert medication["ingredient"][0]["itemCodeableConcept"]["coding"][0]["code"] == "108890005"
    back = medication_administration.from_fhir(resource)
    assert back == {
        "product": row.product,
        "lot": row.lot,
        "muscle": row.muscle,
        "side": row.side,
        "units": dose["value"],
        "unit_system": dose["code"],
    }


def test_two_products_units_never_share_a_unit_code(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    by_product: dict[str, set[str]] = {}
    for resource in all_of(as_grey, "MedicationAdministration"):
        product = resource["contained"][0]["code"]["coding"][0]["code"]
        by_product.setdefault(resource["dosage"]["dose"]["code"], set()).add(product)
    assert len(by_product) >= 2
    # Only BOTOX and BOTOX Cosmetic (both onabotulinumtoxinA) share a unit system.
    for products in by_product.values():
        assert len(products) == 1 or products <= {"botox", "botox_cosmetic"}


def test_the_trapezius_carries_its_verified_snomed_code_and_no_other_muscle_does(
    clinic: dict[str, int], as_grey: FhirClient
) -> None:
    snomed = {}
    for resource in all_of(as_grey, "MedicationAdministration"):
        for c in resource["dosage"]["site"]["coding"]:
            if c["system"] == "http://snomed.info/sct":
                snomed[resource["dosage"]["site"]["coding"][0]["code"]] = c["code"]
    assert snomed == {"trapezius": "31764008"}


def test_a_patient_round_trips_through_its_mapping(clinic: dict[str, int]) -> None:
    row = Patient.objects.first()
    assert row is not None
    back = patient.from_fhir(validate(patient.to_fhir(row)).as_json())
    assert back == {
        "record_number": row.record_number,
        "given_name": row.given_name,
        "family_name": row.family_name,
        "birth_date": str(row.birth_date),
        "sex": row.sex,
        "email": row.email,
        "phone": row.phone,
    }
