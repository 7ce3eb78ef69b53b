"""What scheduling learns from: observed wear-off dates, fed in by the pathway apps.

The duration model (`bonta.domain.duration`) turns a patient's own observed durations into a
personal touch-up date. Those observations are a pathway's outcome data (`bonta.cosmetic`'s
wear-off reports), and the cosmetic pathway shows scheduling's proposals on its panel, so the
pathway app builds on appointments and registers its source here in its AppConfig.ready;
appointments imports no pathway app. Without a registered source proposals use population
durations and the label minimum only (the basis shown says so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import BooleanField, Exists, Expression, OuterRef, Value


@dataclass(frozen=True)
class WearOffSource:
    """One app's wear-off observations.

    `dates(patient_ids)` gives (encounter id, area) → the date movement was first reported back,
    in one query (`patient_ids` a list or a `values("id")` subquery); `reports_of(patient_ref)`
    is a queryset of any report of the patient `patient_ref` (an OuterRef) names, for EXISTS.
    """

    dates: Callable[[Any], dict[tuple[UUID, str], date]]
    reports_of: Callable[[Any], Any]


WEAR_OFF_SOURCES: list[WearOffSource] = []


def register(source: WearOffSource) -> None:
    if source not in WEAR_OFF_SOURCES:
        WEAR_OFF_SOURCES.append(source)


def wore_off_dates(patient_ids: Any) -> dict[tuple[UUID, str], date]:
    """(encounter id, area) → first "movement returned" date, from every registered source."""
    found: dict[tuple[UUID, str], date] = {}
    for source in WEAR_OFF_SOURCES:
        for key, day in source.dates(patient_ids).items():
            found[key] = min(day, found.get(key, day))
    return found


def has_reports(patient_field: str = "patient_id") -> Expression:
    """SQL: does the outer row's patient have any wear-off report (in any source)?"""
    if not WEAR_OFF_SOURCES:
        return Value(False, output_field=BooleanField())
    expression: Any = None
    for source in WEAR_OFF_SOURCES:
        exists = Exists(source.reports_of(OuterRef(patient_field)))
        expression = exists if expression is None else expression | exists
    return expression
