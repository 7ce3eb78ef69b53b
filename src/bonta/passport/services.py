"""The toxin passport: issue it (staff or the patient's portal), verify one, import it.

What a passport holds (docs/passport.md): every BoNT-A session on record — signed sessions
here and external administrations — one line per session and product with its date, clinic,
product, lot(s) and the units per treatment area (points of one area are summed; a muscle that
belongs to no area is listed by muscle). Importing writes each (session, area) as an external
administration through `bonta.records.services.external.record_external_administrations`,
with the session's lots (comma-separated, as the passport lists them; lot recall finds each);
the (patient, source system, source id) uniqueness makes a second import of the same passport
a no-op; the whole import is one transaction (a bad line writes nothing). A passport issued
here lists an external record's lots as they were imported.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bonta.accounts.models import Role, User
from bonta.audit.log import record
from bonta.domain.anatomy import area_of, areas, muscles
from bonta.domain.errors import InvalidInput
from bonta.domain.ledger import cumulative_window
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.domain.products import get_product
from bonta.domain.units import format_units
from bonta.passport import codec, keys
from bonta.passport.models import TrustedClinicKey
from bonta.records.models import Administration, EncounterStatus, ExternalAdministration, Patient
from bonta.records.services._common import (
    CLINICAL_READ,
    CLINICAL_WRITE,
    require_role,
    required_text,
)
from bonta.records.services.external import ExternalItem, record_external_administrations
from bonta.records.snapshots import local_date, patient_history

KEY_MANAGE = frozenset({Role.MANAGER})
PASSPORT_ORIGIN = re.compile(r"\(passport ([0-9a-f]{16})\)$")


# ---- building ------------------------------------------------------------------------------


def passport_data(patient: Patient, today: date) -> dict[str, Any]:
    """The compact passport (see `bonta.passport.codec`) for `patient` as of `today`."""
    clinics = [settings.BONTA_CLINIC_NAME]
    sessions: list[tuple[str, int, str, str, str, list[list[Any]], str]] = []
    for (on, product, pathway, _encounter), group in _local_sessions(patient).items():
        lots = ",".join(sorted(group["lots"]))
        sessions.append(
            (on.isoformat(), 0, product, codec.PATHWAY_SHORT[pathway], lots, group["areas"], "")
        )
    for row in ExternalAdministration.objects.filter(patient=patient).order_by("on", "pk"):
        clinic, origin = _clinic_of(row.source_system)
        if clinic not in clinics:
            clinics.append(clinic)
        entry: list[Any] = [row.area, format_units(row.units)]
        if row.muscles:
            entry.append(list(row.muscles))
        if pathway_short := codec.PATHWAY_SHORT.get(row.pathway):
            sessions.append(
                (
                    row.on.isoformat(),
                    clinics.index(clinic),
                    row.product,
                    pathway_short,
                    row.lot,  # as the source recorded it ("" when it did not say)
                    [entry],
                    origin,
                )
            )
    sessions.sort(key=lambda s: (s[0], s[1], s[2]))
    return {
        "v": codec.VERSION,
        "i": {
            "n": settings.BONTA_CLINIC_NAME,
            "u": settings.BONTA_PUBLIC_URL,
            "d": today.isoformat(),
        },
        "p": {
            "g": patient.given_name,
            "f": patient.family_name,
            "b": patient.birth_date.isoformat(),
            "s": patient.sex,
        },
        "c": clinics,
        "s": [list(s) for s in sessions],
    }


def _local_sessions(patient: Patient) -> dict[tuple[date, str, str, object], dict[str, Any]]:
    rows = (
        Administration.objects.filter(
            encounter__patient=patient, encounter__status=EncounterStatus.SIGNED
        )
        .values_list(
            "encounter_id",
            "encounter__at",
            "encounter__pathway",
            "product",
            "muscle",
            "units",
            "lot",
        )
        .order_by("encounter__at", "encounter_id", "position")
    )
    sessions: dict[tuple[date, str, str, object], dict[str, Any]] = {}
    for encounter_id, at, pathway, product, muscle, units, lot in rows:
        key = (local_date(at), product, pathway, encounter_id)
        group = sessions.setdefault(key, {"lots": set(), "units": defaultdict(Decimal)})
        if lot:
            group["lots"].add(lot)
        area = area_of(Pathway(pathway), muscle)
        group["units"][area if area else f"muscle:{muscle}"] += units
    for group in sessions.values():
        entries: list[list[Any]] = []
        loose = [(code[7:], u) for code, u in group["units"].items() if code.startswith("muscle:")]
        for code, units in group["units"].items():
            if not code.startswith("muscle:"):
                entries.append([code, format_units(units)])
        if loose:
            total = sum((u for _, u in loose), Decimal(0))
            entries.append(["", format_units(total), sorted(m for m, _ in loose)])
        group["areas"] = entries
    return sessions


def _clinic_of(source_system: str) -> tuple[str, str]:
    """(clinic name, origin key id or "") of an external record's source system."""
    found = PASSPORT_ORIGIN.search(source_system)
    if found is None:
        return source_system, ""
    return source_system[: found.start()].strip(), found.group(1)


@dataclass(frozen=True, slots=True)
class Total:
    """Units of one unit system in the label's cumulative window (start, end]."""

    unit_system: str
    units: Decimal
    limit_units: Decimal
    start: date
    end: date
    window: str


def cumulative_totals(patient: Patient, today: date) -> list[Total]:
    """Per unit system, the units in its cumulative-dose window to `today`: the window and
    limit the chart's dose ledger shows, from the same function (`bonta.domain.ledger.
    cumulative_window`, which counts as `bonta.domain.safety` does). Never summed across
    unit systems."""
    history: tuple[PastTreatment, ...] = patient_history(patient.pk)
    systems = sorted({get_product(h.product).unit_system for h in history})
    totals = []
    for system in systems:
        window = cumulative_window(system, history, today)
        if window is not None:
            totals.append(
                Total(system, window.units, window.limit_units, window.start, today, window.window)
            )
    return totals


@dataclass(frozen=True, slots=True)
class Passport:
    data: dict[str, Any]
    text: str  # what the QR code holds
    totals: list[Total]
    fingerprint: str


def issue_passport(patient: Patient, *, by: User) -> Passport:
    """A signed passport for `patient` (clinical staff, or the patient's own portal account)."""
    if by.role == Role.PATIENT:
        from bonta.records.actors import patient_of

        own = patient_of(by)
        if own is None or own.pk != patient.pk:
            from bonta.records.errors import NotAllowed

            raise NotAllowed("A portal account may see only its own passport.")
    else:
        require_role(by, CLINICAL_READ, "issue toxin passports")
    today = timezone.localdate()
    data = passport_data(patient, today)
    passport = Passport(
        data=data,
        text=codec.encode(data, keys.clinic_key()),
        totals=cumulative_totals(patient, today),
        fingerprint=keys.own_fingerprint(),
    )
    with transaction.atomic():
        record(
            "passport.issue",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(data["s"])},
        )
    return passport


@dataclass(frozen=True, slots=True)
class Line:
    """One session of a passport, worded for a page or the PDF."""

    on: str
    clinic: str
    product: str
    pathway: str
    lots: str
    areas: str


def lines(data: dict[str, Any]) -> list[Line]:
    area_names = areas()
    muscle_names = muscles()
    result = []
    for on, clinic, product, pathway, lots, entries, _origin in data["s"]:
        try:
            product_name = get_product(product).display
        except InvalidInput:
            product_name = product
        parts = []
        for entry in entries:
            where = area_names[entry[0]].name if entry[0] in area_names else entry[0]
            if len(entry) == 3:
                named = ", ".join(
                    muscle_names[m].name if m in muscle_names else m for m in entry[2]
                )
                where = f"{where}: {named}" if where else named
            parts.append(f"{where or 'sites not recorded'} {entry[1]} U")
        result.append(
            Line(
                on,
                data["c"][clinic],
                product_name,
                Pathway(codec.PATHWAY_CODES[pathway]).label,
                lots or "—",
                "; ".join(parts),
            )
        )
    return result


# ---- trusted keys --------------------------------------------------------------------------


def add_trusted_key(*, name: object, public_key: object, by: User) -> TrustedClinicKey:
    require_role(by, KEY_MANAGE, "manage trusted passport keys")
    label = required_text(name, "name", 150)
    try:
        public = keys.parse_public_key(str(public_key or ""))
    except ValueError as error:
        raise InvalidInput("public_key", str(error)) from None
    kid = codec.key_id(public).hex()
    if kid == keys.own_key_id():
        raise InvalidInput("public_key", "is this clinic's own key (always known)")
    if TrustedClinicKey.objects.filter(key_id=kid, active=True).exists():
        raise InvalidInput("public_key", "is already trusted")
    with transaction.atomic():
        row, _ = TrustedClinicKey.objects.update_or_create(
            key_id=kid,
            defaults={
                "name": label,
                "public_key": keys.public_key_text(public),
                "fingerprint": codec.fingerprint(public),
                "active": True,
                "added_by": by,
                "removed_at": None,
            },
        )
        record("passport.trust_key", actor=by, object_type="passport_key", object_id=row.pk)
    return row


def remove_trusted_key(key: TrustedClinicKey, *, by: User) -> None:
    require_role(by, KEY_MANAGE, "manage trusted passport keys")
    with transaction.atomic():
        key.active = False
        key.removed_at = timezone.now()
        key.save(update_fields=["active", "removed_at"])
        record("passport.untrust_key", actor=by, object_type="passport_key", object_id=key.pk)


# ---- reading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verified:
    data: dict[str, Any]
    key: TrustedClinicKey
    text: str


def verify(text: str) -> Verified:
    """Check the signature against the trusted keys; refuse this clinic's own passports."""
    kid = codec.read_key_id(text)
    if kid == keys.own_key_id():
        raise codec.PassportError(
            "This passport was issued by this clinic: its sessions are already on record here. "
            "Nothing was imported."
        )
    key = TrustedClinicKey.objects.filter(key_id=kid, active=True).first()
    if key is None:
        raise codec.UnknownIssuer(kid)
    opened = codec.open_passport(text, keys.parse_public_key(key.public_key))
    return Verified(opened.data, key, text)


def check_passport(patient: Patient, text: str, *, by: User) -> Verified:
    """Verify a passport for import into `patient`'s record (read only; audited)."""
    require_role(by, CLINICAL_WRITE, "import toxin passports")
    verified = verify(text)
    _same_person(patient, verified.data)
    with transaction.atomic():
        record(
            "passport.verify",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(verified.data["s"])},
        )
    return verified


def _same_person(patient: Patient, data: dict[str, Any]) -> None:
    born = data["p"]["b"]
    if born != patient.birth_date.isoformat():
        raise codec.PassportError(
            f"This passport is for someone born {born}; this patient was born "
            f"{patient.birth_date.isoformat()}. Nothing was imported."
        )


@dataclass(frozen=True, slots=True)
class Imported:
    imported: int
    already: int
    own: int  # sessions that came from this clinic in the first place (not imported back)


def import_passport(patient: Patient, text: str, *, by: User) -> Imported:
    """Verify again, then write every (session, area) not yet on record; all or nothing."""
    require_role(by, CLINICAL_WRITE, "import toxin passports")
    verified = verify(text)
    data = verified.data
    _same_person(patient, data)
    own = keys.own_key_id()
    imported = already = skipped = 0
    with transaction.atomic():
        for n, (on, clinic, product, pathway, lots, entries, origin) in enumerate(data["s"]):
            source_key = origin or verified.key.key_id
            if source_key == own:
                skipped += 1
                continue
            source_system = f"{data['c'][clinic][:150]} (passport {source_key})"
            for entry in entries:
                area, units = entry[0], entry[1]
                muscle_list = entry[2] if len(entry) == 3 else None
                source_id = _source_id(on, product, pathway, area, units, muscle_list)
                if ExternalAdministration.objects.filter(
                    patient=patient, source_system=source_system, source_id=source_id
                ).exists():
                    already += 1
                    continue
                item = ExternalItem(
                    on=date.fromisoformat(on),
                    product=product,
                    units=units,
                    pathway_code=codec.PATHWAY_CODES[pathway],
                    source_id=source_id,
                    area=area,
                    muscles=muscle_list,
                    lot=lots,  # the session's lots, comma-separated as the passport lists them
                )
                try:
                    record_external_administrations(
                        patient, [item], by=by, source_system=source_system
                    )
                except InvalidInput as error:
                    field = error.field.removeprefix("items[0].")
                    raise InvalidInput(
                        f"passport.s[{n}].{field}", f"{error.reason} (session of {on})"
                    ) from None
                imported += 1
        record(
            "passport.import",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": imported},
        )
    return Imported(imported, already, skipped)


def _source_id(
    on: str, product: str, pathway: str, area: str, units: str, muscles: list[str] | None
) -> str:
    """Content-derived, so the same session from the same source imports once."""
    text = "|".join([on, product, pathway, area, str(Decimal(units)), ",".join(muscles or [])])
    return hashlib.sha256(text.encode()).hexdigest()[:32]
