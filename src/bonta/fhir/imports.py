"""Import of another clinic's administrations: a `transaction` or `batch` Bundle of Patient and
MedicationAdministration entries becomes external administrations the safety engine counts.

All or nothing, for both Bundle types: the whole bundle is checked first (every problem is a
`BundleError` naming `Bundle.entry[i].…` and the field), then written in one transaction.

- **Patients** are matched, never created: by Bonta's record-number identifier (and the birth
  date, when both carry one), or by an identifier of the sending system that a clinician
  linked before. One match: the administrations are written. None, or more than one: they are
  held as a `PendingImport` for a clinician to confirm (choosing the patient) or reject.
- **Idempotent**: every administration is keyed by the sending system and its identifier (or
  its id); the same record again writes nothing (reported as `200 OK`); the same key with other
  content is a 409 (corrections are not imported: they are amendments at the source).
- **Provenance**: `ImportedBundle` (sending system, Bundle id, received at, who imported) and
  `ImportedAdministration` (which bundle each external administration came from).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.errors import InvalidInput
from bonta.domain.products import all_products
from bonta.fhir.codes import identifier_system, system, unit_display
from bonta.fhir.models import (
    ExternalIdentifier,
    ImportedAdministration,
    ImportedBundle,
    ImportKey,
    PendingImport,
    PendingStatus,
)
from bonta.records.models import Patient
from bonta.records.services._common import CLINICAL_WRITE, SIGN, require_role
from bonta.records.services.external import (
    ExternalItem,
    build_external_administration,
    record_external_administrations,
    record_external_administrations_of_patients,
)

MAX_ENTRIES = 10000
SOURCE_HEADER = "X-Source-System"
DATE_TIME = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))?"
)
VOLUME_UNITS = frozenset({"ml", "milliliter", "millilitre", "cc", "l"})
# How the service names a field, and where that fact sits in a MedicationAdministration.
FIELD_PATHS = {
    "on": "effectiveDateTime",
    "product": "medicationCodeableConcept",
    "units": "dosage.dose.value",
    "pathway": "category",
    "area": "category",
    "source_system": "Bundle.meta.source",
}


class BundleError(Exception):
    def __init__(self, where: str, message: str, status: int = 400, code: str = "invalid"):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
        self.status = status
        self.code = code


@dataclass
class SentPatient:
    index: int
    keys: list[str]  # the fullUrl and "Patient/{id}" other entries may reference it by
    identifiers: list[tuple[str, str]]
    birth_date: date | None
    summary: dict[str, Any]  # identifiers, name, birthDate, gender: what the reviewer sees
    administrations: list[SentAdministration] = field(default_factory=list)


@dataclass
class SentAdministration:
    index: int
    item: ExternalItem
    digest: str


@dataclass
class Parsed:
    kind: str  # transaction | batch
    source_system: str
    bundle_id: str
    entries: int
    patients: list[SentPatient]


# ---- parsing: everything checked before anything is written ----------------------------------


def parse(body: bytes, source_header: str = "") -> Parsed:
    try:
        bundle = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise BundleError("Bundle", "the body is not valid JSON") from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise BundleError("Bundle.resourceType", "must be a Bundle")
    kind = bundle.get("type")
    if kind not in ("transaction", "batch"):
        raise BundleError("Bundle.type", f"must be transaction or batch, not {kind!r}")
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise BundleError("Bundle.entry", "must list at least one entry")
    if len(entries) > MAX_ENTRIES:
        raise BundleError("Bundle.entry", f"at most {MAX_ENTRIES} entries per bundle", 413)
    meta = bundle.get("meta") if isinstance(bundle.get("meta"), dict) else {}
    source = str(meta.get("source") or source_header or "").strip()
    if not source:
        raise BundleError(
            "Bundle.meta.source", f"the sending system is required (or the {SOURCE_HEADER} header)"
        )
    if source == "local" or len(source) > 200:
        raise BundleError("Bundle.meta.source", "must be the sending system (at most 200 chars)")
    patients: list[SentPatient] = []
    by_key: dict[str, SentPatient] = {}
    full_urls: dict[str, int] = {}
    administrations: list[tuple[int, dict[str, Any]]] = []
    for index, entry in enumerate(entries):
        where = f"Bundle.entry[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            raise BundleError(f"{where}.resource", "each entry needs a resource")
        full_url = entry.get("fullUrl")
        if full_url is not None:
            if not isinstance(full_url, str) or not full_url:
                raise BundleError(f"{where}.fullUrl", "must be a URI")
            if full_url in full_urls:
                raise BundleError(
                    f"{where}.fullUrl", f"duplicates Bundle.entry[{full_urls[full_url]}].fullUrl"
                )
            full_urls[full_url] = index
        request = entry.get("request")
        if not isinstance(request, dict) or request.get("method") not in ("POST", "PUT"):
            raise BundleError(
                f"{where}.request.method", f"a {kind} entry needs request.method POST or PUT"
            )
        resource = entry["resource"]
        resource_type = resource.get("resourceType")
        if resource_type == "Patient":
            sent = _patient(resource, index, full_url)
            for key in sent.keys:
                if key in by_key:
                    raise BundleError(
                        f"{where}.resource.id",
                        f"the same Patient as Bundle.entry[{by_key[key].index}]",
                    )
                by_key[key] = sent
            patients.append(sent)
        elif resource_type == "MedicationAdministration":
            administrations.append((index, resource))
        else:
            raise BundleError(
                f"{where}.resource.resourceType",
                f"{resource_type!r} is not imported (only Patient and MedicationAdministration)",
                code="not-supported",
            )
    seen: dict[str, int] = {}
    for index, resource in administrations:
        where = f"Bundle.entry[{index}].resource"
        subject = resource.get("subject")
        reference = subject.get("reference") if isinstance(subject, dict) else None
        if not isinstance(reference, str) or reference not in by_key:
            raise BundleError(
                f"{where}.subject.reference", "must reference a Patient entry of this bundle"
            )
        sent_admin = _administration(resource, index, source)
        if sent_admin.item.source_id in seen:
            raise BundleError(
                f"{where}.identifier",
                f"the same administration as Bundle.entry[{seen[sent_admin.item.source_id]}]",
            )
        seen[sent_admin.item.source_id] = index
        by_key[reference].administrations.append(sent_admin)
    bundle_id = str(bundle.get("id") or "")[:200]
    return Parsed(kind, source, bundle_id, len(entries), patients)


def _patient(resource: dict[str, Any], index: int, full_url: str | None) -> SentPatient:
    where = f"Bundle.entry[{index}].resource"
    identifiers = []
    raw = resource.get("identifier")
    if not isinstance(raw, list) or not raw:
        raise BundleError(f"{where}.identifier", "a Patient needs an identifier to be matched")
    for i, one in enumerate(raw):
        if not isinstance(one, dict):
            raise BundleError(f"{where}.identifier[{i}]", "must be an Identifier")
        ident_system, value = one.get("system"), one.get("value")
        if not isinstance(ident_system, str) or not ident_system:
            raise BundleError(f"{where}.identifier[{i}].system", "is required to match on")
        if not isinstance(value, str) or not value.strip():
            raise BundleError(f"{where}.identifier[{i}].value", "is required")
        identifiers.append((ident_system, value.strip()))
    birth = resource.get("birthDate")
    birth_date = None
    if birth is not None:
        try:
            birth_date = date.fromisoformat(str(birth))
        except ValueError:
            raise BundleError(f"{where}.birthDate", f"{birth!r} is not a date") from None
    keys = [full_url] if full_url else []
    if isinstance(resource.get("id"), str):
        keys.append(f"Patient/{resource['id']}")
    if not keys:
        raise BundleError(f"{where}.id", "a Patient needs a fullUrl or an id to be referenced")
    names = resource.get("name") if isinstance(resource.get("name"), list) else []
    summary = {
        "identifier": [{"system": s, "value": v} for s, v in identifiers],
        "name": names[:1],
        "birthDate": str(birth) if birth else None,
        "gender": resource.get("gender") if isinstance(resource.get("gender"), str) else None,
    }
    return SentPatient(index, keys, identifiers, birth_date, summary)


def _codes(concept: object, code_system: str) -> list[str]:
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    return [
        str(c.get("code"))
        for c in concept["coding"]
        if isinstance(c, dict) and c.get("system") == code_system and c.get("code")
    ]


def _administration(resource: dict[str, Any], index: int, source: str) -> SentAdministration:
    where = f"Bundle.entry[{index}].resource"
    if resource.get("status") != "completed":
        raise BundleError(
            f"{where}.status",
            f"only completed administrations are imported, not {resource.get('status')!r}",
        )
    on = _effective_day(resource, where)
    product, product_path = _product(resource, where)
    units, unit_system = _dose(resource, where, product)
    pathways = _codes(resource.get("category"), system("pathway"))
    if not pathways:
        raise BundleError(f"{where}.category", "needs the pathway (Bonta pathway code system)")
    dosage = resource.get("dosage") if isinstance(resource.get("dosage"), dict) else {}
    muscles = _codes(dosage.get("site"), system("muscle"))
    lot, lot_expiry = _batch(resource, where, product_path)
    item = ExternalItem(
        on=on,
        product=product,
        units=units,
        pathway_code=pathways[0],
        source_id=_source_id(resource, where),
        muscles=muscles or None,
        lot=lot,
        lot_expiry=lot_expiry,
    )
    try:
        build_external_administration(Patient(), item, source)
    except InvalidInput as error:
        name = error.field.split("[")[0]
        batch = product_path.removesuffix("code.coding") + "batch"
        path = {
            "product": product_path,
            "muscles": "dosage.site.coding",
            "lot": f"{batch}.lotNumber",
            "lot_expiry": f"{batch}.expirationDate",
        }.get(name, FIELD_PATHS.get(name, name))
        full = path if path.startswith("Bundle.") else f"{where}.{path}"
        raise BundleError(full, error.reason) from None
    facts = {
        "on": on.isoformat(),
        "product": product,
        "units": str(units),
        "unit_system": unit_system,
        "pathway": item.pathway_code,
        "muscles": muscles,
    }
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()
    return SentAdministration(index, item, digest)


def _effective_day(resource: dict[str, Any], where: str) -> date:
    value = resource.get("effectiveDateTime")
    path = f"{where}.effectiveDateTime"
    if value is None and isinstance(resource.get("effectivePeriod"), dict):
        value, path = resource["effectivePeriod"].get("start"), f"{where}.effectivePeriod.start"
    if not isinstance(value, str):
        raise BundleError(path, "the day it was given is required")
    match = DATE_TIME.fullmatch(value)
    if not match:
        raise BundleError(path, f"{value!r} is not a FHIR dateTime with a day")
    try:
        if "T" in value:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return timezone.localtime(moment, timezone.get_default_timezone()).date()
        return date.fromisoformat(match["day"])
    except ValueError:
        raise BundleError(path, f"{value!r} is not a real date") from None


def _product(resource: dict[str, Any], where: str) -> tuple[str, str]:
    product_system = system("product")
    if "medicationCodeableConcept" in resource:
        path = "medicationCodeableConcept.coding"
        codes = _codes(resource["medicationCodeableConcept"], product_system)
    elif "medicationReference" in resource:
        reference = resource["medicationReference"]
        ref = reference.get("reference") if isinstance(reference, dict) else None
        contained = resource.get("contained") if isinstance(resource.get("contained"), list) else []
        found = [
            (i, c)
            for i, c in enumerate(contained)
            if isinstance(c, dict)
            and c.get("resourceType") == "Medication"
            and isinstance(ref, str)
            and ref == f"#{c.get('id')}"
        ]
        if not found:
            raise BundleError(
                f"{where}.medicationReference.reference", "must name a contained Medication (#id)"
            )
        position, medication = found[0]
        path = f"contained[{position}].code.coding"
        codes = _codes(medication.get("code"), product_system)
    else:
        raise BundleError(f"{where}.medication[x]", "the product is required")
    if not codes:
        raise BundleError(
            f"{where}.{path}",
            f"needs a product code of {product_system} (other product codings are not mapped)",
        )
    if codes[0] not in all_products():
        known = ", ".join(sorted(all_products()))
        raise BundleError(f"{where}.{path}", f"unknown product {codes[0]!r} (known: {known})")
    return codes[0], path


def _batch(resource: dict[str, Any], where: str, product_path: str) -> tuple[str, date | None]:
    """The lot and its expiry from the contained Medication's batch ("" and None without)."""
    if not product_path.startswith("contained["):
        return "", None  # a medicationCodeableConcept carries no lot
    position = int(product_path[len("contained[") : product_path.index("]")])
    medication = resource["contained"][position]
    path = f"{where}.contained[{position}].batch"
    batch = medication.get("batch")
    if batch is None:
        return "", None
    if not isinstance(batch, dict):
        raise BundleError(path, "must be a Medication batch (lotNumber, expirationDate)")
    lot = batch.get("lotNumber", "")
    if not isinstance(lot, str):
        raise BundleError(f"{path}.lotNumber", "must be a string")
    expiry = batch.get("expirationDate")
    if expiry is None:
        return lot, None
    match = DATE_TIME.fullmatch(expiry) if isinstance(expiry, str) else None
    if match is None:
        raise BundleError(
            f"{path}.expirationDate",
            f"{expiry!r} is not a date with a day (YYYY-MM-DD, or a dateTime)",
        )
    try:
        return lot, date.fromisoformat(match["day"])
    except ValueError:
        raise BundleError(f"{path}.expirationDate", f"{expiry!r} is not a real date") from None


def _dose(resource: dict[str, Any], where: str, product: str) -> tuple[Decimal, str]:
    dosage = resource.get("dosage")
    dose = dosage.get("dose") if isinstance(dosage, dict) else None
    path = f"{where}.dosage.dose"
    if not isinstance(dose, dict):
        raise BundleError(path, "the dose in the product's units is required")
    value = dose.get("value")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise BundleError(f"{path}.value", "must be a number")
    expected = all_products()[product].unit_system
    unit = str(dose.get("unit") or "")
    code = str(dose.get("code") or "")
    if unit.strip().lower() in VOLUME_UNITS or code.strip().lower() in VOLUME_UNITS:
        raise BundleError(
            f"{path}.unit",
            "is a volume: the units of the product are needed (volumes depend on the dilution)",
        )
    if dose.get("system") == system("unit"):
        if code != expected:
            raise BundleError(
                f"{path}.code",
                f"{code!r} units are not {product} units ({expected}): units of two products "
                "are never the same",
            )
    elif unit != unit_display(expected):
        raise BundleError(
            f"{path}.unit",
            f"must be {unit_display(expected)!r}, or system {system('unit')} with code "
            f"{expected!r}",
        )
    return Decimal(value), expected


def _source_id(resource: dict[str, Any], where: str) -> str:
    for one in resource.get("identifier") or []:
        if isinstance(one, dict) and one.get("system") and one.get("value"):
            return f"{one['system']}|{one['value']}"[:200]
    if isinstance(resource.get("id"), str) and resource["id"]:
        return f"MedicationAdministration/{resource['id']}"[:200]
    raise BundleError(
        f"{where}.identifier", "an identifier (or id) is required to recognise the record again"
    )


# ---- writing ---------------------------------------------------------------------------------


@dataclass
class Result:
    bundle: ImportedBundle
    statuses: dict[int, tuple[str, str]]  # entry index -> (HTTP status line, note)


def import_bundle(body: bytes, *, by: User, source_header: str = "") -> Result:
    """Check the whole bundle, then write it in one transaction with set-based queries: one
    query for the keys already imported, two to match every sent patient (record numbers,
    linked identifiers), one lock and one insert for all matched patients' administrations,
    one insert each for the import keys and the provenance rows."""
    require_role(by, CLINICAL_WRITE, "import administrations")
    parsed = parse(body, source_header)
    statuses: dict[int, tuple[str, str]] = {}
    with transaction.atomic():
        sent = [a for p in parsed.patients for a in p.administrations]
        known = {
            k.source_id: k
            for k in ImportKey.objects.filter(
                source_system=parsed.source_system,
                source_id__in=[a.item.source_id for a in sent],
            )
        }
        for admin in sent:
            key = known.get(admin.item.source_id)
            if key is not None and key.digest != admin.digest:
                raise BundleError(
                    f"Bundle.entry[{admin.index}].resource",
                    "this record was imported before with other content; corrections are not "
                    "imported (amend it at the source, or record it by hand)",
                    409,
                    "conflict",
                )
        bundle = ImportedBundle.objects.create(
            source_system=parsed.source_system,
            bundle_id=parsed.bundle_id,
            bundle_type=parsed.kind,
            imported_by=by,
            entries=parsed.entries,
            written=0,
            held=0,
            repeated=0,
        )
        fresh: list[tuple[SentPatient, list[SentAdministration]]] = []
        for patient in parsed.patients:
            new = [a for a in patient.administrations if a.item.source_id not in known]
            for a in patient.administrations:
                if a.item.source_id in known:
                    statuses[a.index] = ("200 OK", "already imported: nothing written")
                    bundle.repeated += 1
            if not new:
                statuses[patient.index] = ("200 OK", "nothing new for this patient")
                continue
            fresh.append((patient, new))
        matched = match_all([patient for patient, _ in fresh])
        to_write: list[tuple[Patient, list[SentAdministration]]] = []
        for (patient, new), (matches, reason) in zip(fresh, matched, strict=True):
            if len(matches) == 1 and not reason:
                to_write.append((matches[0], new))
                statuses[patient.index] = ("200 OK", f"matched {matches[0].record_number}")
                for a in new:
                    statuses[a.index] = ("201 Created", "recorded as an external administration")
                bundle.written += len(new)
            else:
                _hold(bundle, patient, new, matches, reason, by)
                statuses[patient.index] = ("202 Accepted", f"held for review: {reason}")
                for a in new:
                    statuses[a.index] = ("202 Accepted", f"held for review: {reason}")
                bundle.held += len(new)
        _write_many(bundle, to_write, by)
        ImportKey.objects.bulk_create(
            (
                ImportKey(
                    source_system=parsed.source_system,
                    source_id=a.item.source_id,
                    digest=a.digest,
                    bundle=bundle,
                )
                for _, new in fresh
                for a in new
            ),
            batch_size=500,
        )
        bundle.save(update_fields=["written", "held", "repeated"])
        record(
            "fhir.import",
            actor=by,
            object_type="fhir_import",
            object_id=bundle.pk,
            detail={"kind": parsed.kind, "count": bundle.written, "status": "accepted"},
        )
    return Result(bundle, statuses)


def match(patient: SentPatient) -> tuple[list[Patient], str]:
    """The local patients the sent identifiers name, and why it is not one when it is not."""
    return match_all([patient])[0]


def match_all(sent: Sequence[SentPatient]) -> list[tuple[list[Patient], str]]:
    """`match` for every sent patient, in two queries whatever their number."""
    if not sent:
        return []
    record_system = identifier_system("record-number")
    numbers = {v for p in sent for s, v in p.identifiers if s == record_system}
    by_number = {p.record_number: p for p in Patient.objects.filter(record_number__in=numbers)}
    others = {(s, v) for p in sent for s, v in p.identifiers if s != record_system}
    linked: dict[tuple[str, str], list[Patient]] = {}
    if others:
        links = ExternalIdentifier.objects.select_related("patient").filter(
            value__in={v for _, v in others}
        )
        for one in links:
            if (one.system, one.value) in others:
                linked.setdefault((one.system, one.value), []).append(one.patient)
    results = []
    for patient in sent:
        found: dict[Any, Patient] = {}
        for s, v in patient.identifiers:
            if s == record_system:
                if v in by_number:
                    found[by_number[v].pk] = by_number[v]
            else:
                for row in linked.get((s, v), []):
                    found[row.pk] = row
        results.append(_verdict(patient, list(found.values())))
    return results


def _verdict(patient: SentPatient, matches: list[Patient]) -> tuple[list[Patient], str]:
    if not matches:
        return [], "no patient has these identifiers"
    if len(matches) > 1:
        return matches, "the identifiers name more than one patient"
    if patient.birth_date is not None and matches[0].birth_date != patient.birth_date:
        return matches, "the birth date differs from the matched patient's"
    return matches, ""


def _write_many(
    bundle: ImportedBundle,
    batches: Sequence[tuple[Patient, Sequence[SentAdministration]]],
    by: User,
) -> None:
    if not batches:
        return
    try:
        rows = record_external_administrations_of_patients(
            [(patient, [a.item for a in admins]) for patient, admins in batches],
            by=by,
            source_system=bundle.source_system,
        )
    except InvalidInput as error:
        raise _entry_error(error, batches) from None
    ImportedAdministration.objects.bulk_create(
        (ImportedAdministration(external=row, bundle=bundle) for row in rows), batch_size=500
    )


ITEM_FIELD = re.compile(r"(?:patients\[(?P<batch>\d+)\]\.)?items\[(?P<item>\d+)\]\.(?P<rest>.+)")


def _entry_error(
    error: InvalidInput, batches: Sequence[tuple[Patient, Sequence[SentAdministration]]]
) -> BundleError:
    """The service's error on `patients[b].items[i].field` as the entry it came from. Parsing
    checked every fact, so what is left is a record already on the chart from that source
    (recorded before, not through an import): a 409 on the entry's identifier."""
    found = ITEM_FIELD.fullmatch(error.field)
    if found is None:
        return BundleError("Bundle", error.reason)
    admin = batches[int(found["batch"] or 0)][1][int(found["item"])]
    where = f"Bundle.entry[{admin.index}].resource"
    if found["rest"] == "source_id":
        return BundleError(f"{where}.identifier", error.reason, 409, "conflict")
    return BundleError(where, f"{found['rest']}: {error.reason}")


def _as_json(item: ExternalItem) -> dict[str, Any]:
    return {
        "on": item.on.isoformat(),
        "product": item.product,
        "units": str(item.units),
        "pathway": item.pathway_code,
        "source_id": item.source_id,
        "muscles": list(item.muscles) if item.muscles else None,
        "lot": item.lot,
        "lot_expiry": item.lot_expiry.isoformat() if item.lot_expiry else None,
    }


def _from_json(data: dict[str, Any]) -> ExternalItem:
    return ExternalItem(
        on=date.fromisoformat(data["on"]),
        product=data["product"],
        units=data["units"],
        pathway_code=data["pathway"],
        source_id=data["source_id"],
        muscles=data.get("muscles"),
        lot=data.get("lot", ""),  # held before lots were kept: none
        lot_expiry=date.fromisoformat(data["lot_expiry"]) if data.get("lot_expiry") else None,
    )


def _hold(
    bundle: ImportedBundle,
    patient: SentPatient,
    admins: Sequence[SentAdministration],
    matches: Sequence[Patient],
    reason: str,
    by: User,
) -> PendingImport:
    pending = PendingImport.objects.create(
        bundle=bundle,
        patient_resource=patient.summary,
        administrations=[_as_json(a.item) for a in admins],
        reason=reason,
    )
    suggestions = list(matches)
    family = (patient.summary["name"] or [{}])[0].get("family")
    if patient.birth_date is not None and isinstance(family, str) and family:
        suggestions += list(
            Patient.objects.filter(birth_date=patient.birth_date, family_name__iexact=family)[:10]
        )
    pending.candidates.set({p.pk: p for p in suggestions}.values())
    record(
        "fhir.import.hold",
        actor=by,
        object_type="fhir_pending_import",
        object_id=pending.pk,
        detail={"count": len(admins)},
    )
    return pending


# ---- review ----------------------------------------------------------------------------------


def pending_imports(by: User) -> list[PendingImport]:
    require_role(by, SIGN, "review imported administrations")
    with transaction.atomic():
        rows = list(
            PendingImport.objects.filter(status=PendingStatus.PENDING)
            .select_related("bundle")
            .prefetch_related("candidates")
        )
        record(
            "fhir.import.pending_list",
            actor=by,
            object_type="fhir_pending_import",
            detail={"count": len(rows)},
        )
    return rows


def confirm(pending: PendingImport, patient: Patient, *, by: User) -> None:
    """Write the held administrations for `patient`, and remember the sender's identifiers of
    that patient so the next bundle matches without review."""
    require_role(by, SIGN, "confirm imported administrations")
    with transaction.atomic():
        locked = PendingImport.objects.select_for_update().get(pk=pending.pk)
        if locked.status != PendingStatus.PENDING:
            raise InvalidInput("status", "this import was already decided")
        items = [_from_json(a) for a in locked.administrations]
        _write_items(locked.bundle, patient, items, by)
        record_system = identifier_system("record-number")
        for one in locked.patient_resource.get("identifier", []):
            if one["system"] == record_system:
                continue
            ExternalIdentifier.objects.get_or_create(
                system=one["system"], value=one["value"], defaults={"patient": patient}
            )
        _decide(locked, PendingStatus.CONFIRMED, by, patient)


def _write_items(
    bundle: ImportedBundle, patient: Patient, items: Sequence[ExternalItem], by: User
) -> None:
    rows = record_external_administrations(
        patient, items, by=by, source_system=bundle.source_system
    )
    ImportedAdministration.objects.bulk_create(
        ImportedAdministration(external=row, bundle=bundle) for row in rows
    )


def reject(pending: PendingImport, *, by: User) -> None:
    require_role(by, SIGN, "reject imported administrations")
    with transaction.atomic():
        locked = PendingImport.objects.select_for_update().get(pk=pending.pk)
        if locked.status != PendingStatus.PENDING:
            raise InvalidInput("status", "this import was already decided")
        _decide(locked, PendingStatus.REJECTED, by, None)


def _decide(pending: PendingImport, status: str, by: User, patient: Patient | None) -> None:
    pending.status = status
    pending.decided_by = by
    pending.decided_at = timezone.now()
    pending.patient = patient
    pending.save(update_fields=["status", "decided_by", "decided_at", "patient"])
    record(
        f"fhir.import.{status}",
        actor=by,
        object_type="fhir_pending_import",
        object_id=pending.pk,
        patient_id=patient.pk if patient else None,
        detail={"count": len(pending.administrations), "status": status},
    )


def response_bundle(parsed_kind: str, result: Result, entries: int) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": f"{parsed_kind}-response",
        "entry": list(_response_entries(result, entries)),
    }


def _response_entries(result: Result, entries: int) -> Iterator[dict[str, Any]]:
    for index in range(entries):
        status, note = result.statuses.get(index, ("200 OK", ""))
        response: dict[str, Any] = {"status": status}
        if note:
            response["outcome"] = {
                "resourceType": "OperationOutcome",
                "issue": [
                    {"severity": "information", "code": "informational", "diagnostics": note}
                ],
            }
        yield {"response": response}
