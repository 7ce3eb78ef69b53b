"""BoNT-A products and what their labels say, read from `reference/products.toml`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from bonta.domain.calendar import Interval
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.reference import load


@dataclass(frozen=True, slots=True)
class LabelDose:
    """The label's total dose for one treatment area in one session."""

    area: str
    units: Decimal
    sites: int | None
    source: str


@dataclass(frozen=True, slots=True)
class CumulativeLimit:
    units: Decimal
    window: Interval
    source: str


@dataclass(frozen=True, slots=True)
class ReconstitutionWindow:
    hours: int
    source: str


@dataclass(frozen=True, slots=True)
class Dilution:
    vial_units: Decimal
    diluent_ml: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    brand: str
    nonproprietary: str
    label: str
    unit_system: str
    pathways: frozenset[Pathway]
    vial_sizes_units: tuple[Decimal, ...]
    indications: Mapping[str, LabelDose]
    retreatment_interval: Interval | None
    reconstitution_window: ReconstitutionWindow | None
    cumulative_limit: CumulativeLimit | None
    dilutions: tuple[Dilution, ...]
    ingredients: frozenset[str]
    source: str
    omitted: str

    @property
    def display(self) -> str:
        return f"{self.brand} ({self.nonproprietary})"

    def is_labelled_for(self, pathway: Pathway) -> bool:
        return pathway in self.pathways


def _interval(raw: Mapping[str, Any] | None) -> Interval | None:
    if raw is None:
        return None
    return Interval(int(raw["amount"]), raw["unit"], str(raw["source"]))


def _decimal(value: object) -> Decimal:
    return Decimal(str(value))


def _product(code: str, raw: Mapping[str, Any]) -> Product:
    limit = raw.get("cumulative_limit")
    window = raw.get("reconstitution_window")
    return Product(
        code=code,
        brand=raw["brand"],
        nonproprietary=raw["nonproprietary"],
        label=raw["label"],
        unit_system=raw["unit_system"],
        pathways=frozenset(Pathway(p) for p in raw["pathways"]),
        vial_sizes_units=tuple(_decimal(s) for s in raw["vial_sizes_units"]),
        indications={
            area: LabelDose(area, _decimal(d["units"]), d.get("sites"), d["source"])
            for area, d in raw.get("indications", {}).items()
        },
        retreatment_interval=_interval(raw.get("retreatment_interval")),
        reconstitution_window=(
            ReconstitutionWindow(int(window["hours"]), window["source"]) if window else None
        ),
        cumulative_limit=(
            CumulativeLimit(
                _decimal(limit["units"]),
                Interval(int(limit["amount"]), limit["unit"], limit["source"]),
                limit["source"],
            )
            if limit
            else None
        ),
        dilutions=tuple(
            Dilution(_decimal(d["vial_units"]), _decimal(d["diluent_ml"]), d["source"])
            for d in raw.get("dilutions", [])
        ),
        ingredients=frozenset(raw.get("ingredients", [])),
        source=raw["source"],
        omitted=raw.get("omitted", ""),
    )


@cache
def all_products() -> Mapping[str, Product]:
    return {code: _product(code, raw) for code, raw in load("products").items()}


def get_product(code: str, field: str = "product") -> Product:
    try:
        return all_products()[code]
    except KeyError:
        known = ", ".join(sorted(all_products()))
        raise InvalidInput(field, f"unknown product {code!r} (known: {known})") from None


def products_for(pathway: Pathway) -> list[Product]:
    return [p for p in all_products().values() if p.is_labelled_for(pathway)]
