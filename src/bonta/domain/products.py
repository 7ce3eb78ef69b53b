"""BoNT-A products and what their labels say, read from `reference/products.toml`.

Facts the reference rates [P]/[S] are the plain fields (`retreatment_interval`,
`reconstitution_window`, `ingredients`); a fact it rates only [W] lives in a `weak_…` field, so
code that reads the plain field (scheduling, the ledger) never treats a lead as label data. The
safety engine reads the weak fields to warn, never to block (see `bonta.domain.safety`).
"""

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
    units_per_site: Decimal | None = None  # None: the reference gives no per-site dose


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
    ingredients: frozenset[str]  # excipient names rated [P]/[S]
    source: str
    omitted: str
    weak_ingredients: frozenset[str] = frozenset()  # names only a [W] source gives
    formulation_complete: bool = False  # `ingredients` is the label's verified full list
    formulation_source: str = ""
    weak_retreatment_interval: Interval | None = None  # a [W] interval: warns, never blocks
    weak_reconstitution_window: ReconstitutionWindow | None = None  # [W]: warns, never blocks

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


def _window(raw: Mapping[str, Any] | None) -> ReconstitutionWindow | None:
    return ReconstitutionWindow(int(raw["hours"]), str(raw["source"])) if raw else None


def _product(code: str, raw: Mapping[str, Any]) -> Product:
    limit = raw.get("cumulative_limit")
    formulation = raw.get("formulation", {})
    return Product(
        code=code,
        brand=raw["brand"],
        nonproprietary=raw["nonproprietary"],
        label=raw["label"],
        unit_system=raw["unit_system"],
        pathways=frozenset(Pathway(p) for p in raw["pathways"]),
        vial_sizes_units=tuple(_decimal(s) for s in raw["vial_sizes_units"]),
        indications={
            area: LabelDose(
                area,
                _decimal(d["units"]),
                d.get("sites"),
                d["source"],
                _decimal(d["units_per_site"]) if "units_per_site" in d else None,
            )
            for area, d in raw.get("indications", {}).items()
        },
        retreatment_interval=_interval(raw.get("retreatment_interval")),
        reconstitution_window=_window(raw.get("reconstitution_window")),
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
        ingredients=frozenset(formulation.get("ingredients", [])),
        source=raw["source"],
        omitted=raw.get("omitted", ""),
        weak_ingredients=frozenset(formulation.get("weak_ingredients", [])),
        formulation_complete=bool(formulation.get("complete", False)),
        formulation_source=str(formulation.get("source", "")),
        weak_retreatment_interval=_interval(raw.get("weak_retreatment_interval")),
        weak_reconstitution_window=_window(raw.get("weak_reconstitution_window")),
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
