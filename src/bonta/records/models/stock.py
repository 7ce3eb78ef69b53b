"""Vials in stock. Units drawn are derived from administrations, never a stored counter."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Sum

from bonta.records.models.base import units_field, uuid_pk


class Vial(models.Model):
    id = uuid_pk()
    product = models.CharField(max_length=32)
    lot = models.CharField(max_length=64)
    expiry = models.DateField()
    size_units = units_field()
    diluent_ml = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    reconstituted_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = (
            "expiry",
            "lot",
        )
        # Stock offered on the draft screen: never reconstituted, or within the last week. Without
        # it PostgreSQL scans every vial ever used and JIT-compiles the usage subqueries.
        indexes = (models.Index(fields=["reconstituted_at"], name="records_vial_reconst_idx"),)

    def __str__(self) -> str:
        return f"vial {self.product} lot {self.lot}"

    def units_drawn(self) -> Decimal:
        total = self.administrations.aggregate(total=Sum("units"))["total"]
        return total or Decimal(0)

    def units_discarded(self) -> Decimal:
        total = self.discards.aggregate(total=Sum("units"))["total"]
        return total or Decimal(0)


class VialDiscard(models.Model):
    """Units thrown away (wastage): expired after reconstitution, dropped, contaminated."""

    id = uuid_pk()
    vial = models.ForeignKey(Vial, on_delete=models.PROTECT, related_name="discards")
    units = units_field()
    reason = models.CharField(max_length=200)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"discard {self.units} U from {self.vial_id}"
