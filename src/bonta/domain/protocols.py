"""Protocol templates: expand a named template into injections for one product."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from bonta.domain.anatomy import points
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.plan import Injection
from bonta.domain.reference import load


@dataclass(frozen=True, slots=True)
class Protocol:
    code: str
    name: str
    pathway: Pathway
    area: str
    units_per_site: Mapping[str, Decimal]
    points: tuple[str, ...]
    source: str
    total_units: Mapping[str, Decimal]
    extra_muscles: frozenset[str] = frozenset()
    max_extra_units: Decimal | None = None
    max_total_units: Decimal | None = None
    max_sites: int | None = None
    needs_verification: bool = False

    @property
    def products(self) -> frozenset[str]:
        return frozenset(self.units_per_site) | frozenset(self.total_units)


def _protocol(code: str, raw: Mapping[str, Any], everything: Mapping[str, Any]) -> Protocol:
    base_points: tuple[str, ...] = ()
    if "base" in raw:
        base_points = tuple(everything[raw["base"]]["points"])

    def dec(value: object) -> Decimal:
        return Decimal(str(value))

    return Protocol(
        code=code,
        name=raw["name"],
        pathway=Pathway(raw["pathway"]),
        area=raw["area"],
        units_per_site={k: dec(v) for k, v in raw.get("units_per_site", {}).items()},
        points=base_points + tuple(raw["points"]),
        source=raw["source"],
        total_units={k: dec(v) for k, v in raw.get("total_units", {}).items()},
        extra_muscles=frozenset(raw.get("extra_muscles", [])),
        max_extra_units=dec(raw["max_extra_units"]) if "max_extra_units" in raw else None,
        max_total_units=dec(raw["max_total_units"]) if "max_total_units" in raw else None,
        max_sites=raw.get("max_sites"),
        needs_verification=bool(raw.get("needs_verification", False)),
    )


@cache
def protocols() -> Mapping[str, Protocol]:
    raw = load("protocols")
    return {code: _protocol(code, p, raw) for code, p in raw.items()}


def get_protocol(code: str, field: str = "protocol") -> Protocol:
    try:
        return protocols()[code]
    except KeyError:
        known = ", ".join(sorted(protocols()))
        raise InvalidInput(field, f"unknown protocol {code!r} (known: {known})") from None


def expand(protocol: Protocol, product: str, vial: str = "vial") -> tuple[Injection, ...]:
    """The template's injections for `product`; a product the template does not dose is an error.

    Templates with only a label total (platysma bands) expand to no points: the clinician places
    them, because the reference does not verify per-site units.
    """
    if product not in protocol.products:
        offered = ", ".join(sorted(protocol.products))
        raise InvalidInput(
            "protocol", f"{protocol.code} has no label dose for {product} (offered: {offered})"
        )
    units = protocol.units_per_site.get(product)
    if units is None:
        return ()
    table = points()
    return tuple(
        Injection(table[p].muscle, table[p].side, units, point=p, vial=vial)
        for p in protocol.points
    )
