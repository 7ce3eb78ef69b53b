"""The payload: base45 (RFC 9285 vectors), signature, tampering, structure, ten years in one QR."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bonta.passport import base45, codec
from bonta.passport.pdf import qr_code


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
    ],
)
def test_base45_rfc9285(raw: bytes, text: str) -> None:
    assert base45.encode(raw) == text
    assert base45.decode(text) == raw


@pytest.mark.parametrize("bad", ["GGW", "A", "ab!", "::::"])
def test_base45_refuses_bad_text(bad: str) -> None:
    with pytest.raises(base45.Base45Error):
        base45.decode(bad)


def ten_years() -> dict[str, Any]:
    """40 sessions, one every 91 days: cosmetic (3 areas) and chronic migraine alternating."""
    sessions, on = [], date(2015, 1, 5)
    for i in range(40):
        if i % 2 == 0:
            areas = [
                ["glabellar_lines", "20"],
                ["forehead_lines", "10"],
                ["lateral_canthal_lines", "24"],
            ]
            sessions.append(
                [on.isoformat(), 0, "botox_cosmetic", "c", f"C{4000 + 7 * i}", areas, ""]
            )
        else:
            sessions.append(
                [
                    on.isoformat(),
                    0,
                    "botox",
                    "m",
                    f"M{9000 + 3 * i}",
                    [["chronic_migraine", "155"]],
                    "",
                ]
            )
        on += timedelta(days=91)
    return {
        "v": 1,
        "i": {"n": "Bonta clinic", "u": "https://clinic.example.org", "d": "2025-01-01"},
        "p": {"g": "Alice", "f": "Archer", "b": "1985-05-17", "s": "female"},
        "c": ["Bonta clinic"],
        "s": sessions,
    }


def test_round_trip_and_signature() -> None:
    key = Ed25519PrivateKey.generate()
    data = ten_years()
    text = codec.encode(data, key)
    assert text.startswith("BP1:")
    assert codec.read_key_id(text) == codec.key_id(key.public_key()).hex()
    assert codec.open_passport(text, key.public_key()).data == data


def test_ten_years_fit_one_printable_qr_code() -> None:
    text = codec.encode(ten_years(), Ed25519PrivateKey.generate())
    code = qr_code(text)
    assert code.error == "M"
    assert code.mode == "alphanumeric"
    assert code.version <= 25  # 117 modules: ≥ 3 px a module in a 1 MP photo of a 95 mm code


def test_a_tampered_payload_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    text = codec.encode(ten_years(), key)
    i = len(text) // 2
    tampered = text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1 :]
    with pytest.raises(codec.PassportError, match="altered or damaged"):
        codec.open_passport(tampered, key.public_key())


def test_another_key_does_not_verify() -> None:
    text = codec.encode(ten_years(), Ed25519PrivateKey.generate())
    with pytest.raises(codec.PassportError):
        codec.open_passport(text, Ed25519PrivateKey.generate().public_key())


def test_a_signed_but_malformed_payload_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    data = ten_years()
    data["s"][3][5] = [["glabellar_lines", -4]]
    with pytest.raises(codec.PassportError, match="malformed at s\\[3\\]"):
        codec.open_passport(codec.encode(data, key), key.public_key())


def test_not_a_passport() -> None:
    with pytest.raises(codec.PassportError, match="not a Bonta toxin passport"):
        codec.read_key_id("https://example.org")


def test_the_fhir_bundle_it_stands_for_is_valid_r4() -> None:
    from fhir_r4.validate import validate

    bundle = codec.to_fhir_bundle(ten_years())
    assert bundle["type"] == "collection"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "Patient"
    assert kinds.count("MedicationAdministration") == 20 * 3 + 20
    validate(bundle)
