"""Vials: register stock, reconstitute, record wastage."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.dilution import concentration_u_per_0_1ml
from bonta.domain.errors import InvalidInput
from bonta.domain.products import get_product
from bonta.records.errors import Conflict
from bonta.records.models import Administration, Vial, VialDiscard
from bonta.records.models.base import units_total
from bonta.records.services._common import (
    CLINICAL_READ,
    CLINICAL_WRITE,
    a_date,
    aware,
    decimal,
    optional_text,
    positive_units,
    require_role,
    required_text,
)

STOCK_ROLES = CLINICAL_READ  # managers keep stock too


def register_vial(
    *,
    by: User,
    product: str,
    lot: str,
    expiry: date,
    size_units: Decimal | str | int,
    diluent_ml: Decimal | str | int | None = None,
    reconstituted_at: datetime | None = None,
) -> Vial:
    """Add a vial to stock; a blank lot is kept, and the safety engine blocks its use."""
    require_role(by, STOCK_ROLES, "register vials")
    vial = Vial(
        product=get_product(product, "product").code,
        lot=optional_text(lot, "lot", 64),
        expiry=a_date(expiry, "expiry"),
        size_units=positive_units(size_units, "size_units"),
    )
    if (diluent_ml is None) != (reconstituted_at is None):
        raise InvalidInput("diluent_ml", "give both diluent_ml and reconstituted_at, or neither")
    if diluent_ml is not None and reconstituted_at is not None:
        vial.diluent_ml = _diluent(vial, diluent_ml)
        vial.reconstituted_at = aware(reconstituted_at, "reconstituted_at")
    with transaction.atomic():
        vial.save(force_insert=True)
        record(
            "vial.register",
            actor=by,
            object_type="vial",
            object_id=vial.pk,
            detail={"product": vial.product},
        )
    return vial


def reconstitute_vial(
    vial: Vial, *, by: User, diluent_ml: Decimal | str | int, at: datetime | None = None
) -> Vial:
    """Record reconstitution (once per vial): diluent volume and when."""
    require_role(by, CLINICAL_WRITE, "reconstitute vials")
    at = aware(at, "at") if at is not None else timezone.now()
    with transaction.atomic():
        locked = Vial.objects.select_for_update().get(pk=vial.pk)
        if locked.reconstituted_at is not None:
            raise Conflict("This vial is already reconstituted.")
        locked.diluent_ml = _diluent(locked, diluent_ml)
        locked.reconstituted_at = at
        locked.save(update_fields=["diluent_ml", "reconstituted_at"])
        record("vial.reconstitute", actor=by, object_type="vial", object_id=locked.pk)
    return locked


def discard_from_vial(
    vial: Vial, *, by: User, units: Decimal | str | int, reason: str, at: datetime | None = None
) -> VialDiscard:
    """Record wasted units; never more than the vial still holds."""
    require_role(by, CLINICAL_WRITE, "record vial wastage")
    amount = positive_units(units, "units")
    reason = required_text(reason, "reason", 200)
    at = aware(at, "at") if at is not None else timezone.now()
    with transaction.atomic():
        locked = Vial.objects.select_for_update().get(pk=vial.pk)
        remaining = locked.size_units - locked.units_drawn() - locked.units_discarded()
        if amount > remaining:
            raise InvalidInput("units", f"only {remaining} U remain in this vial")
        discard = VialDiscard.objects.create(vial=locked, units=amount, reason=reason, at=at, by=by)
        record("vial.discard", actor=by, object_type="vial", object_id=locked.pk)
    return discard


def vials_with_usage() -> QuerySet[Vial]:
    """Vials annotated with units_drawn / units_discarded, in one query for any number."""
    return Vial.objects.annotate(
        drawn=units_total(Administration, "vial_id", "pk"),
        discarded=units_total(VialDiscard, "vial_id", "pk"),
    ).order_by("expiry", "lot")


def list_vials(*, by: User) -> list[Vial]:
    require_role(by, STOCK_ROLES, "view vials")
    return list(vials_with_usage())


def _diluent(vial: Vial, diluent_ml: Decimal | str | int) -> Decimal:
    amount = decimal(diluent_ml, "diluent_ml")
    if amount <= 0 or amount >= 100 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("diluent_ml", "must be above 0 and below 100 mL, to 0.01 mL")
    concentration_u_per_0_1ml(vial.size_units, amount)  # the domain's own validation
    return amount
