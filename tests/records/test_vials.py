"""Vials: registration, reconstitution, wastage; usage is derived, never counted."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bonta.domain.errors import InvalidInput
from bonta.records import services
from bonta.records.errors import Conflict, NotAllowed
from bonta.records.models import Vial, VialDiscard

from .clinic import glabellar_session, make_vial

pytestmark = pytest.mark.django_db
AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_a_vial_is_registered_then_reconstituted_once(dr_grey, nurse_noor):
    vial = make_vial(dr_grey, diluent_ml=None)
    assert vial.reconstituted_at is None
    services.reconstitute_vial(vial, by=nurse_noor, diluent_ml="2.5", at=AT)
    vial.refresh_from_db()
    assert (vial.diluent_ml, vial.reconstituted_at) == (Decimal("2.50"), AT)
    with pytest.raises(Conflict):
        services.reconstitute_vial(vial, by=nurse_noor, diluent_ml="1", at=AT)
    vial.refresh_from_db()
    assert vial.diluent_ml == Decimal("2.50")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"product": "snake_oil"}, "product"),
        ({"size_units": "0"}, "size_units"),
        ({"size_units": "lots"}, "size_units"),
        ({"diluent_ml": "-1"}, "diluent_ml"),
    ],
)
def test_an_invalid_vial_is_refused(dr_grey, change, field):
    with pytest.raises(InvalidInput) as refused:
        make_vial(dr_grey, **change)
    assert refused.value.field == field
    assert not Vial.objects.exists()


def test_reception_keeps_no_stock(rita_reception):
    with pytest.raises(NotAllowed):
        make_vial(rita_reception)
    assert not Vial.objects.exists()


def test_wastage_cannot_exceed_what_the_vial_still_holds(alice, dr_grey, nurse_noor):
    vial = make_vial(dr_grey)
    services.sign_encounter(glabellar_session(alice, dr_grey, vial), dr_grey)
    services.discard_from_vial(vial, by=nurse_noor, units="70", reason="Past 24 h")
    with pytest.raises(InvalidInput, match="10"):
        services.discard_from_vial(vial, by=nurse_noor, units="10.5", reason="Past 24 h")
    assert VialDiscard.objects.count() == 1
    listed = services.vials_with_usage().get(pk=vial.pk)
    assert (listed.drawn, listed.discarded) == (Decimal(20), Decimal(70))
