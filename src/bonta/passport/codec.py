"""The passport payload: compact JSON → deflate → signed → base45 text for the QR code.

    text    = "BP1:" + base45(blob)
    blob    = 0x01 ‖ key_id (8 bytes) ‖ body ‖ signature (64 bytes)
    key_id  = the first 8 bytes of SHA-256(the issuer's raw Ed25519 public key)
    body    = zlib (deflate, level 9) of the compact JSON (UTF-8, no spaces, sorted keys)
    signature = Ed25519 over 0x01 ‖ key_id ‖ body

The compact JSON (version 1; docs/passport.md has the full description):

    {"v": 1,
     "i": {"n": issuing clinic, "u": its public URL, "d": issue date},
     "p": {"g": given name, "f": family name, "b": birth date, "s": sex},
     "c": [clinic names…],           # sessions point into this list
     "s": [[date, clinic index, product code, pathway ("c" cosmetic, "m" chronic migraine),
            lots ("" when not recorded), [[area code or "", units, [muscle codes]?]…],
            origin key id or ""]…]}

Nothing here touches Django or the database: `bonta.passport.services` builds the compact
data and looks up keys; `to_fhir_bundle` expands the compact form to the FHIR Bundle it stands
for.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bonta.passport import base45

PREFIX = "BP1:"
VERSION = 1
KEY_ID_BYTES = 8
SIGNATURE_BYTES = 64
MAX_JSON_BYTES = 512 * 1024  # a zip bomb stops here; ten years of sessions is a few KB
PATHWAY_CODES = {"c": "cosmetic", "m": "chronic_migraine"}
PATHWAY_SHORT = {v: k for k, v in PATHWAY_CODES.items()}
FOUND_IN_TEXT = re.compile(r"BP1:[0-9A-Z $%*+\-./:]{40,}")


class PassportError(ValueError):
    """A passport that cannot be read or trusted; `message` says why, for the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownIssuer(PassportError):
    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"This passport was signed by a clinic key that is not on your trusted list "
            f"(key id {key_id}). Nothing was imported. A manager can add the issuing clinic's "
            "key after checking its fingerprint with the clinic."
        )
        self.key_id = key_id


def key_id(public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(raw_public(public)).digest()[:KEY_ID_BYTES]


def raw_public(public: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(public: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex in groups of four (what people compare by eye)."""
    digest = hashlib.sha256(raw_public(public)).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def compact_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def encode(data: dict[str, Any], private: Ed25519PrivateKey) -> str:
    header = bytes([VERSION]) + key_id(private.public_key())
    signed = header + zlib.compress(compact_json(data), 9)
    return PREFIX + base45.encode(signed + private.sign(signed))


@dataclass(frozen=True, slots=True)
class Opened:
    data: dict[str, Any]
    key_id: str  # hex


def read_key_id(text: str) -> str:
    """The issuer's key id (hex) from a passport text, before any verification."""
    blob = _blob(text)
    return blob[1 : 1 + KEY_ID_BYTES].hex()


def open_passport(text: str, public: Ed25519PublicKey) -> Opened:
    """Verify the signature with `public`, then decompress and check the structure."""
    blob = _blob(text)
    signed, signature = blob[:-SIGNATURE_BYTES], blob[-SIGNATURE_BYTES:]
    if signed[1 : 1 + KEY_ID_BYTES] != key_id(public):
        raise PassportError("The passport names another key than the one given to verify it.")
    try:
        public.verify(signature, signed)
    except InvalidSignature:
        raise PassportError(
            "The passport's signature does not match its content: it was altered or damaged "
            "after the clinic issued it. Nothing was imported."
        ) from None
    body = signed[1 + KEY_ID_BYTES :]
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(body, MAX_JSON_BYTES)
    except zlib.error:
        raise PassportError("The passport's content is not readable (bad compression).") from None
    if inflater.unconsumed_tail:
        raise PassportError("The passport's content is too large to be a passport.")
    try:
        data = json.loads(raw)
    except ValueError:
        raise PassportError("The passport's content is not readable (bad JSON).") from None
    check_structure(data)
    return Opened(data, signed[1 : 1 + KEY_ID_BYTES].hex())


def _blob(text: str) -> bytes:
    text = text.strip()
    if not text.startswith(PREFIX):
        raise PassportError("This is not a Bonta toxin passport (no BP1: prefix).")
    try:
        blob = base45.decode(text[len(PREFIX) :])
    except base45.Base45Error as error:
        raise PassportError(f"The passport code is damaged ({error}).") from None
    if len(blob) < 1 + KEY_ID_BYTES + SIGNATURE_BYTES + 2 or blob[0] != VERSION:
        raise PassportError("The passport code is damaged or of an unknown version.")
    return blob


def find_in_text(text: str) -> str | None:
    found = FOUND_IN_TEXT.search(text)
    return found.group(0) if found else None


# ---- structure -----------------------------------------------------------------------------


def check_structure(data: Any) -> None:
    """A signed payload is trusted for its origin, not its shape: check every field's type."""

    def bad(where: str) -> PassportError:
        return PassportError(f"The passport's content is malformed at {where}.")

    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise bad("v")
    for key in ("i", "p"):
        if not isinstance(data.get(key), dict):
            raise bad(key)
    clinics = data.get("c")
    if not isinstance(clinics, list) or not all(isinstance(c, str) for c in clinics):
        raise bad("c")
    sessions = data.get("s")
    if not isinstance(sessions, list):
        raise bad("s")
    _a_date(data["p"].get("b"), "p.b")
    for n, s in enumerate(sessions):
        where = f"s[{n}]"
        if not (isinstance(s, list) and len(s) == 7):
            raise bad(where)
        on, clinic, product, pathway, lots, entries, origin = s
        _a_date(on, where)
        if not (isinstance(clinic, int) and 0 <= clinic < len(clinics)):
            raise bad(f"{where} clinic")
        if not isinstance(product, str) or pathway not in PATHWAY_CODES:
            raise bad(f"{where} product/pathway")
        if not isinstance(lots, str) or not isinstance(origin, str):
            raise bad(f"{where} lots")
        if not isinstance(entries, list) or not entries:
            raise bad(f"{where} areas")
        for entry in entries:
            if not (isinstance(entry, list) and len(entry) in (2, 3)):
                raise bad(f"{where} areas")
            if not isinstance(entry[0], str):
                raise bad(f"{where} area")
            units(entry[1], f"{where} units")
            if len(entry) == 3 and not (
                isinstance(entry[2], list) and all(isinstance(m, str) for m in entry[2])
            ):
                raise bad(f"{where} muscles")


def _a_date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise PassportError(f"The passport's content is malformed at {where} (date).") from None


def units(value: Any, where: str) -> Decimal:
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise PassportError(f"The passport's content is malformed at {where}.")
    return amount


# ---- the FHIR Bundle the compact form stands for -------------------------------------------

SYSTEM = "urn:bonta:passport:v1"


def to_fhir_bundle(data: dict[str, Any]) -> dict[str, Any]:
    """FHIR R4 Bundle (type collection): a minimal Patient, one MedicationAdministration per
    session and area (units in the product's own unit system, never converted)."""
    p = data["p"]
    patient = {
        "resourceType": "Patient",
        "id": "patient",
        "name": [{"family": p.get("f", ""), "given": [p.get("g", "")]}],
        "gender": p.get("s", "unknown"),
        "birthDate": p["b"],
    }
    entries: list[dict[str, Any]] = [{"fullUrl": "urn:uuid:patient", "resource": patient}]
    for n, (on, clinic, product, pathway, lots, areas, _origin) in enumerate(data["s"]):
        for k, entry in enumerate(areas):
            area, amount = entry[0], entry[1]
            muscles = entry[2] if len(entry) == 3 else []
            medication: dict[str, Any] = {
                "coding": [{"system": f"{SYSTEM}:product", "code": product}],
            }
            site_codes = [{"system": f"{SYSTEM}:area", "code": area}] if area else []
            site_codes += [{"system": f"{SYSTEM}:muscle", "code": m} for m in muscles]
            resource: dict[str, Any] = {
                "resourceType": "MedicationAdministration",
                "id": f"s{n}a{k}",
                "status": "completed",
                "category": {
                    "coding": [{"system": f"{SYSTEM}:pathway", "code": PATHWAY_CODES[pathway]}]
                },
                "medicationCodeableConcept": medication,
                "subject": {"reference": "urn:uuid:patient"},
                "effectiveDateTime": on,
                "performer": [{"actor": {"display": data["c"][clinic]}}],
                "dosage": {
                    "dose": {"value": float(Decimal(amount)), "unit": "U", "code": product},
                },
            }
            if site_codes:
                resource["dosage"]["site"] = {"coding": site_codes}
            if lots:
                resource["note"] = [{"text": f"lot {lots}"}]
            entries.append({"fullUrl": f"urn:uuid:s{n}a{k}", "resource": resource})
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": f"{data['i']['d']}T00:00:00Z",
        "entry": entries,
    }
