"""Shared field helpers: UUID keys, unit and volume decimals, the pathway vocabulary."""

from __future__ import annotations

import uuid

from django.db import models

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
