"""`bonta products`, `bonta protocols [NAME]`, `bonta vocab`: the reference data, read-only."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from decimal import Decimal

from bonta.cli.output import (
    EXIT_OK,
    Json,
    per_product,
    print_json,
    print_table,
)
from bonta.domain.anatomy import areas, muscles, points
from bonta.domain.pathways import Pathway, Side
from bonta.domain.products import Product, all_products
from bonta.domain.protocols import Protocol, expand, get_protocol, protocols
from bonta.domain.reference import load
from bonta.domain.units import format_units

# ---- products ------------------------------------------------------------------------------


def run_products(args: argparse.Namespace) -> int:
    listed = [_product_json(p) for p in all_products().values()]
    if args.json:
        print_json(listed)
        return EXIT_OK
    print_table(
        (
            "code",
            "brand",
            "nonproprietary",
            "pathways",
            "vials U",
            "retreat",
            "use within",
            "cumulative limit",
        ),
        [
            (
                p.code,
                p.brand,
                p.nonproprietary,
                ", ".join(sorted(p.pathways)),
                ", ".join(format_units(v) for v in p.vial_sizes_units),
                p.retreatment_interval.describe() if p.retreatment_interval else "?",
                f"{p.reconstitution_window.hours} h" if p.reconstitution_window else "?",
                (
                    f"{format_units(p.cumulative_limit.units)} U in "
                    f"{p.cumulative_limit.window.describe()}"
                    if p.cumulative_limit
                    else "?"
                ),
            )
            for p in all_products().values()
        ],
    )
    print()
    print_table(
        ("product", "label dose", "units", "sites"),
        [
            (
                p.code,
                dose.area,
                format_units(dose.units),
                "" if dose.sites is None else str(dose.sites),
            )
            for p in all_products().values()
            for dose in p.indications.values()
        ],
    )
    print("\n? = not in Bonta's clinical reference; check the current label. Sources: --json.")
    return EXIT_OK


def _product_json(p: Product) -> dict[str, Json]:
    interval = p.retreatment_interval
    window = p.reconstitution_window
    limit = p.cumulative_limit
    return {
        "code": p.code,
        "brand": p.brand,
        "nonproprietary": p.nonproprietary,
        "label": p.label,
        "unit_system": p.unit_system,
        "pathways": sorted(p.pathways),
        "vial_sizes_units": list(p.vial_sizes_units),
        "indications": [
            {"area": d.area, "units": d.units, "sites": d.sites, "source": d.source}
            for d in p.indications.values()
        ],
        "retreatment_interval": (
            None
            if interval is None
            else {"amount": interval.amount, "unit": interval.unit, "source": interval.source}
        ),
        "reconstitution_window": (
            None if window is None else {"hours": window.hours, "source": window.source}
        ),
        "cumulative_limit": (
            None
            if limit is None
            else {
                "units": limit.units,
                "amount": limit.window.amount,
                "unit": limit.window.unit,
                "source": limit.source,
            }
        ),
        "dilutions": [
            {"vial_units": d.vial_units, "diluent_ml": d.diluent_ml, "source": d.source}
            for d in p.dilutions
        ],
        "ingredients": sorted(p.ingredients),
        "source": p.source,
        "omitted": p.omitted,
    }


# ---- protocols -----------------------------------------------------------------------------


def run_protocols(args: argparse.Namespace) -> int:
    if args.name is not None:
        return _protocol_detail(get_protocol(args.name, "protocol"), as_json=args.json)
    listed = list(protocols().values())
    if args.json:
        print_json([_protocol_json(p) for p in listed])
        return EXIT_OK
    print_table(
        ("code", "pathway", "area", "points", "units per site", "total"),
        [
            (
                p.code,
                p.pathway.value,
                p.area,
                str(len(p.points)),
                per_product({k: v for k, v in p.units_per_site.items()}),
                per_product(_protocol_totals(p)),
            )
            for p in listed
        ],
    )
    return EXIT_OK


def _protocol_detail(protocol: Protocol, *, as_json: bool) -> int:
    offered = sorted(protocol.products)
    expansions = {product: expand(protocol, product) for product in offered}
    totals = _protocol_totals(protocol)
    if as_json:
        detail = _protocol_json(protocol)
        detail["expansions"] = {
            product: {
                "injections": [
                    {"point": i.point, "muscle": i.muscle, "side": i.side.value, "units": i.units}
                    for i in injections
                ],
                "points": len(injections),
                "totals": {product: totals[product]},
            }
            for product, injections in expansions.items()
        }
        print_json(detail)
        return EXIT_OK
    print(f"{protocol.code}: {protocol.name}")
    print(f"pathway {protocol.pathway.value}, area {protocol.area}")
    if protocol.needs_verification:
        print("needs verification: parts of this template rest on weak sources (see source)")
    print(f"source: {protocol.source}\n")
    table = protocol.points
    print_table(
        ("point", "muscle", "side", *offered),
        [
            (
                point,
                points()[point].muscle,
                points()[point].side.value,
                *(format_units(expansions[p][n].units) if expansions[p] else "-" for p in offered),
            )
            for n, point in enumerate(table)
        ]
        + [("total", "", "", *(format_units(totals[p]) for p in offered))],
    )
    return EXIT_OK


def _protocol_totals(protocol: Protocol) -> dict[str, Decimal]:
    """Units per offered product: the label total, or per-site units times the points."""
    return {
        product: protocol.total_units.get(
            product, protocol.units_per_site.get(product, Decimal(0)) * len(protocol.points)
        )
        for product in sorted(protocol.products)
    }


def _protocol_json(p: Protocol) -> dict[str, Json]:
    return {
        "code": p.code,
        "name": p.name,
        "pathway": p.pathway.value,
        "area": p.area,
        "products": sorted(p.products),
        "units_per_site": dict(sorted(p.units_per_site.items())),
        "totals": _protocol_totals(p),
        "points": len(p.points),
        "extra_muscles": sorted(p.extra_muscles),
        "max_extra_units": p.max_extra_units,
        "max_total_units": p.max_total_units,
        "max_sites": p.max_sites,
        "needs_verification": p.needs_verification,
        "source": p.source,
    }


# ---- vocab ---------------------------------------------------------------------------------


def run_vocab(args: argparse.Namespace) -> int:
    from bonta.domain.overrides import REASONS
    from bonta.domain.safety import CODES, KINDS, OVERRIDE_NEEDS
    from bonta.formats.planfile import SEXES

    factors = load("patient_factors")
    vocab: dict[str, Json] = {
        "products": [{"code": p.code, "brand": p.brand} for p in all_products().values()],
        "pathways": [p.value for p in Pathway],
        "sides": [s.value for s in Side],
        "sexes": list(SEXES),
        "muscles": [
            {"code": m.code, "name": m.name, "sides": sorted(m.sides)} for m in muscles().values()
        ],
        "areas": [
            {
                "code": a.code,
                "name": a.name,
                "pathway": a.pathway.value,
                "muscles": sorted(a.muscles),
            }
            for a in areas().values()
        ],
        "points": [
            {"code": p.code, "muscle": p.muscle, "side": p.side.value, "view": p.view}
            for p in points().values()
        ],
        "protocols": [
            {"code": p.code, "name": p.name, "pathway": p.pathway.value}
            for p in protocols().values()
        ],
        **{
            kind: [
                {"code": code, "name": f["name"], "finding": f["finding"]}
                for code, f in factors[kind].items()
            ]
            for kind in ("conditions", "allergies", "medications")
        },
        "findings": [
            {
                "code": code,
                "severity": s.value,
                "kind": KINDS[code].value if code in KINDS else None,
                "override": OVERRIDE_NEEDS[code].value if code in OVERRIDE_NEEDS else None,
            }
            for code, s in CODES.items()
        ],
        "override_reasons": [
            {"code": r.code, "text": r.text, "applies_to": sorted(r.applies_to)}
            for r in REASONS.values()
        ],
    }
    if args.json:
        print_json(vocab)
        return EXIT_OK
    for key, values in vocab.items():
        print(f"{key}:")
        for value in values:
            print("  " + (value if isinstance(value, str) else _vocab_line(value)))
    return EXIT_OK


def _vocab_line(item: Mapping[str, Json]) -> str:
    rest = [
        ", ".join(v) if isinstance(v, list) else str(v)
        for k, v in item.items()
        if k != "code" and v is not None
    ]
    return f"{item['code']:<32} {' | '.join(rest)}"
