"""A passport's lots are kept with what it imports, shown again in a passport issued here, and
found by a lot recall (marked as recorded elsewhere)."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bonta.accounts.models import User
from bonta.lotrecall import services as lotrecall
from bonta.passport import codec, services
from bonta.records.models import ExternalAdministration, Patient
from passport.conftest import northside_passport
from passport.test_passport import trust

pytestmark = pytest.mark.django_db


def test_imported_sessions_keep_their_lots(
    treated: Patient,
    arriving: Patient,
    northside_key: Ed25519PrivateKey,
    max_manager: User,
    dr_grey: User,
) -> None:
    trust(northside_key, max_manager)
    data = northside_passport(treated, northside_key).data
    data["s"][1][4] = "G-2,G-3"  # a session from two vials lists both lots
    services.import_passport(arriving, codec.encode(data, northside_key), by=dr_grey)
    rows = ExternalAdministration.objects.filter(patient=arriving).order_by("on")
    assert [(r.on, r.lot, r.lot_expiry) for r in rows] == [
        (date(2025, 3, 3), "G-1", None),
        (date(2025, 7, 1), "G-2,G-3", None),
    ]
    # A passport issued here lists them again, with the clinic they came from.
    again = services.passport_data(arriving, date(2025, 8, 1))
    assert [(s[4], again["c"][s[1]]) for s in again["s"]] == [
        ("G-1", "Northside Clinic"),
        ("G-2,G-3", "Northside Clinic"),
    ]
    assert [line.lots for line in services.lines(again)] == ["G-1", "G-2,G-3"]
    # A recall of either lot finds her, as recorded elsewhere.
    for lot in ("G-1", "G-3"):
        found = lotrecall.find_exposures(lotrecall.criteria(lot=lot))
        ann = next(e for e in found if e.record_number == "N-100")
        assert [s.elsewhere.startswith("Northside Clinic (passport ") for s in ann.sessions] == [
            True
        ]
