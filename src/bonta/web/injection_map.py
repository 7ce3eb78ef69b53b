"""The injection map's view model: the domain's points on four server-rendered SVG panels.

Coordinates come from `bonta.domain.anatomy.points()` (200 × 240 drawings). Side points are
listed once per side with the same coordinates, so the left profile is drawn mirrored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from bonta.domain.anatomy import Point, area_of, muscles, points
from bonta.domain.pathways import Pathway, Side
from bonta.domain.units import format_units

SIDE_SUFFIX = {Side.LEFT: "_l", Side.RIGHT: "_r", Side.MIDLINE: "_mid"}


@dataclass(frozen=True, slots=True)
class MapPoint:
    code: str
    label: str  # "Frontalis medial, right"
    x: int
    y: int
    planned: bool
    units: str  # units planned here, "" if none
    on_pathway: bool  # the muscle belongs to a treatment area of this pathway


@dataclass(frozen=True, slots=True)
class Panel:
    key: str  # front / side_right / side_left / back: selects the outline drawing
    title: str
    points: tuple[MapPoint, ...]
    mirrored: bool = False


@dataclass(frozen=True, slots=True)
class MuscleGroup:
    name: str
    points: tuple[MapPoint, ...]


@cache
def point_label(code: str) -> str:
    point = points()[code]
    rest = code.removeprefix(point.muscle).removesuffix(SIDE_SUFFIX[point.side]).strip("_")
    detail = f" {rest.replace('_', ' ')}" if rest else ""
    return f"{muscles()[point.muscle].name}{detail}, {point.side.value}"


def _map_point(point: Point, planned: Mapping[str, Decimal], pathway: Pathway) -> MapPoint:
    units = planned.get(point.code)
    return MapPoint(
        code=point.code,
        label=point_label(point.code),
        x=point.x,
        y=point.y,
        planned=units is not None,
        units=format_units(units) if units is not None else "",
        on_pathway=area_of(pathway, point.muscle) is not None,
    )


def panels(planned: Mapping[str, Decimal], pathway: Pathway) -> list[Panel]:
    """The four diagrams with each point marked as planned (and its units) or not."""
    table = [_map_point(p, planned, pathway) for p in points().values()]
    by_code = {p.code: p for p in table}

    def chosen(view: str, side: Side | None = None) -> tuple[MapPoint, ...]:
        return tuple(
            by_code[p.code]
            for p in points().values()
            if p.view == view and (side is None or p.side is side)
        )

    mirrored = tuple(replace(p, x=200 - p.x) for p in chosen("side", Side.LEFT))
    return [
        Panel("front", "Front (patient's right on your left)", chosen("front")),
        Panel("side_right", "Right side", chosen("side", Side.RIGHT)),
        Panel("side_left", "Left side", mirrored, mirrored=True),
        Panel("back", "Back of head and neck", chosen("back")),
    ]


def muscle_groups(planned: Mapping[str, Decimal], pathway: Pathway) -> list[MuscleGroup]:
    """The same points as a keyboard-friendly list, grouped by muscle, this pathway's first."""
    groups: dict[str, list[MapPoint]] = {}
    for point in points().values():
        groups.setdefault(point.muscle, []).append(_map_point(point, planned, pathway))
    ordered = sorted(groups.items(), key=lambda item: (not item[1][0].on_pathway, item[0]))
    return [MuscleGroup(muscles()[m].name, tuple(ps)) for m, ps in ordered]
