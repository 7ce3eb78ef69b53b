"""MedicationAdministration: one injection point of a signed session.

The product and the lot it came from travel as a *contained* Medication; the dose is in that
product's own units, labelled with its unit system ("U (onabotulinumtoxinA)") and coded in
Bonta's unit code system, so no reader can add two products' units as if they were one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from bonta.domain.anatomy import muscles
from bonta.domain.products import get_product
from bonta.domain.units import format_units
from bonta.fhir.codes import base, coding, concept, muscle_codings, published, system, unit_display
from bonta.fhir.resources._common import ENCODE, day, drop_empty, instant, meta, number, ref
from bonta.records.models import Administration, Encounter

LATERALITY_EXTENSION = "StructureDefinition/laterality"


def laterality_url() -> str:
    return f"{base()}/{LATERALITY_EXTENSION}"


def to_fhir(row: Administration) -> dict[str, Any]:
    """`row` with `encounter`, `encounter__signed_by` and `vial` selected."""
    encounter = row.encounter
    assert encounter.signed_by is not None
    drug = medication(row.product, row.lot, row.vial.expiry)
    return build(
        session(
            encounter.pk,
            encounter.patient_id,
            encounter.pathway,
            encounter.at,
            encounter.signed_at,
            encounter.signed_by.pk,
        ),
        row.pk,
        drug,
        dosage(row.units, drug, site(row.muscle, row.side)),
    )


def session(
    encounter_id: UUID,
    patient_id: UUID,
    pathway: str,
    at: datetime,
    signed_at: datetime | None,
    signed_by_id: int,
) -> dict[str, Any]:
    """What every injection point of one session shares."""
    return {
        "meta": meta(signed_at),
        "category": concept("pathway", pathway),
        "subject": ref("Patient", patient_id),
        "context": ref("Encounter", encounter_id),
        "effectiveDateTime": instant(at),
        "performer": [{"actor": signer_ref(signed_by_id)}],
        "partOf": [ref("Procedure", encounter_id)],
    }


def signer_ref(user_id: int) -> dict[str, str]:
    return ref("Practitioner", user_id)


def medication(product_code: str, lot: str, expiry: date) -> tuple[dict[str, Any], str, str]:
    """The contained Medication (product and lot), the product's display and its unit label."""
    product = get_product(product_code)
    contained = {
        "resourceType": "Medication",
        "id": "product",
        "code": concept("product", product_code),
        "ingredient": [{"itemCodeableConcept": {"coding": [published("botulinum_toxin_type_a")]}}],
        "batch": {"lotNumber": lot, "expirationDate": day(expiry)},
    }
    return contained, product.display, product.unit_system


def site(muscle: str, side: str) -> tuple[dict[str, Any], str]:
    text = f"{muscles()[muscle].name}, {side}"
    return {
        "extension": [{"url": laterality_url(), "valueCoding": coding("laterality", side)}],
        "coding": muscle_codings(muscle),
        "text": text,
    }, text


def build(
    shared: dict[str, Any],
    pk: UUID | str,
    drug: tuple[dict[str, Any], str, str],
    given: dict[str, Any] | str,
) -> dict[str, Any]:
    """The resource from its session's parts, its Medication and its `dosage(...)`."""
    contained, display, _unit_system = drug
    return drop_empty(
        {
            "resourceType": "MedicationAdministration",
            "id": str(pk),
            "meta": shared["meta"],
            "contained": [contained],
            "status": "completed",
            "category": shared["category"],
            "medicationReference": {"reference": "#product", "display": display},
            "subject": shared["subject"],
            "context": shared["context"],
            "effectiveDateTime": shared["effectiveDateTime"],
            "performer": shared["performer"],
            "partOf": shared["partOf"],
            "dosage": given,
        }
    )


def dosage(
    units: Decimal, drug: tuple[dict[str, Any], str, str], where: tuple[dict[str, Any], str]
) -> dict[str, Any]:
    unit_system = drug[2]
    site_concept, site_text = where
    unit = unit_display(unit_system)
    return {
        "text": f"{format_units(units)} {unit} into {site_text}",
        "site": site_concept,
        "dose": {
            "value": number(units),
            "unit": unit,
            "system": system("unit"),
            "code": unit_system,
        },
    }


SESSION_FIELDS = ("pk", "patient_id", "pathway", "at", "signed_at", "signed_by_id")
POINT_FIELDS = ("encounter_id", "pk", "product", "lot", "vial__expiry", "muscle", "side", "units")


# The export writes each line from pieces encoded once: a template per session and lot (the
# resource with these two placeholders, split around them) and a dosage per units and site.
_ID, _DOSAGE = "\x00bonta:id\x00", "\x00bonta:dosage\x00"
DOSAGES_KEPT = 20000  # distinct (units, product, site) encodings kept before starting afresh


def export(rows: QuerySet[Administration], size: int) -> Iterator[str]:
    """The bulk export of `rows` (filtered administrations), one JSON line each: sessions are
    paged by id (keyset), then each page's administrations read as plain values in one query,
    in session and position order. What a session and lot share is encoded once (the resource
    with placeholders for the id and the dosage, which come first and last), each distinct
    dosage once, so a line is joined from encoded pieces: the same text `to_fhir` encodes to."""
    # ~50 sessions (~1,000 points) per query: PostgreSQL's estimate of points per session runs
    # high at scale, and with a few hundred sessions in the list it turns to hash joins over
    # whole tables (measured at 100k patients); at this size it stays on the indexes.
    per_page = max(1, size // 40)
    id_json, dosage_json = ENCODE(_ID), ENCODE(_DOSAGE)
    sites: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    dosages: dict[tuple[Decimal, str, str, str], str] = {}
    last: UUID | None = None
    while True:
        sessions = Encounter.objects.order_by("pk")
        if last is not None:
            sessions = sessions.filter(pk__gt=last)
        page = list(sessions.values_list(*SESSION_FIELDS)[:per_page])
        if not page:
            return
        last = page[-1][0]
        # Per page, so memory stays bounded.
        templates: dict[tuple[UUID, str, str, date], tuple[str, str, str, tuple[Any, ...]]] = {}
        by_id = {one[0]: one for one in page}
        points = (
            rows.filter(encounter_id__in=list(by_id))
            .order_by("encounter_id", "position", "pk")
            .values_list(*POINT_FIELDS)
        )
        for encounter_id, pk, product, lot, expiry, muscle, side, units in points:
            key = (encounter_id, product, lot, expiry)
            template = templates.get(key)
            if template is None:
                drug = medication(product, lot, expiry)
                text = ENCODE(build(session(*by_id[encounter_id]), _ID, drug, _DOSAGE))
                head, _, rest = text.partition(id_json)  # the id is the first text in it
                middle, _, tail = rest.rpartition(dosage_json)  # the dosage is the last
                template = templates[key] = (head, middle, tail, drug)
            head, middle, tail, drug = template
            given = dosages.get((units, product, muscle, side))
            if given is None:
                if len(dosages) >= DOSAGES_KEPT:
                    dosages.clear()
                where = _cached(sites, (muscle, side), site)
                given = dosages[(units, product, muscle, side)] = ENCODE(dosage(units, drug, where))
            yield f'{head}"{pk}"{middle}{given}{tail}'
        if len(page) < per_page:
            return


def _cached(memo: dict[Any, Any], key: tuple[Any, ...], make: Callable[..., Any]) -> Any:
    found = memo.get(key)
    if found is None:
        found = memo[key] = make(*key)
    return found


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
