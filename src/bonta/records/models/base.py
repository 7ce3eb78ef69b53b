"""Shared field helpers: UUID keys, unit and volume decimals, the pathway vocabulary, and the
one way units are totalled in SQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from bonta.domain.pathways import Pathway, Side

PATHWAY_CHOICES = [(p.value, p.label) for p in Pathway]
SIDE_CHOICES = [(s.value, s.value.capitalize()) for s in Side]


def uuid_pk() -> models.UUIDField:
    return models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)


def units_field(**kwargs: object) -> models.DecimalField:
    # Product units are Decimal, never float; 2 places covers half-units and 0.25 U steps.
    return models.DecimalField(max_digits=8, decimal_places=2, **kwargs)  # type: ignore[arg-type]


def volume_ml_field(**kwargs: object) -> models.DecimalField:
    # bonta.domain.dilution rounds volumes to 0.001 mL (one microlitre).
    return models.DecimalField(max_digits=7, decimal_places=3, **kwargs)  # type: ignore[arg-type]


def pathway_field() -> models.CharField:
    return models.CharField(max_length=32, choices=PATHWAY_CHOICES)


UNITS_TOTAL_FIELD = models.DecimalField(max_digits=10, decimal_places=2)


def units_total(model: type[models.Model], key: str, outer: str) -> Coalesce:
    """Sum of `model.units` whose `key` equals the outer row's `outer`, 0 when none: a scalar
    subquery, so totals stay derived (never stored) and cost no extra query."""
    total = (
        model._default_manager.filter(**{key: OuterRef(outer)})
        .order_by()
        .values(key)
        .annotate(total=Sum("units"))
        .values("total")
    )
    return Coalesce(
        Subquery(total, output_field=UNITS_TOTAL_FIELD),
        Value(Decimal(0)),
        output_field=UNITS_TOTAL_FIELD,
    )
