"""The injection map's view model: the domain's points on four server-rendered SVG panels.

Coordinates come from `bonta.domain.anatomy.points()` (200 × 240 drawings). Side points are
listed once per side with the same coordinates, so the left profile is drawn mirrored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache, lru_cache

from django.template.loader import get_template
from django.utils.safestring import SafeString

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


# Fragments are cached per point state. Idle points (all but the planned few) are the same on
# every request, so a map costs a dict lookup per point; planned ones vary with their units.
POINT_SVG = "web/encounters/_map_point.html"
POINT_CHIP = "web/encounters/_map_chip.html"


@lru_cache(maxsize=4096)
def fragment(template: str, point: MapPoint) -> SafeString:
    """One point rendered by `template` (autoescaped), cached: points never change at run time.

    Surrounding whitespace is dropped: the keyboard chips sit side by side with none between.
    """
    return SafeString(get_template(template).render({"p": point}).strip())


def _markup(template: str, points_: Iterable[MapPoint]) -> SafeString:
    # Each fragment is a template's escaped output, so their concatenation is safe too.
    return SafeString("".join(fragment(template, p) for p in points_))


@dataclass(frozen=True, slots=True)
class Panel:
    key: str  # front / side_right / side_left / back: selects the outline drawing
    title: str
    points: tuple[MapPoint, ...]
    mirrored: bool = False

    @property
    def points_svg(self) -> SafeString:
        return _markup(POINT_SVG, self.points)


@dataclass(frozen=True, slots=True)
class MuscleGroup:
    name: str
    points: tuple[MapPoint, ...]

    @property
    def chips(self) -> SafeString:
        return _markup(POINT_CHIP, self.points)


@cache
def _idle(pathway: Pathway) -> dict[str, MapPoint]:
    """Every point, none planned: the same for every plan on this pathway."""
    return {p.code: _map_point(p, {}, pathway) for p in points().values()}


def _marked(planned: Mapping[str, Decimal], pathway: Pathway) -> dict[str, MapPoint]:
    table = _idle(pathway)
    if not planned:
        return table
    return {
        code: _map_point(points()[code], planned, pathway) if code in planned else idle
        for code, idle in table.items()
    }


@cache
def _panel_layout() -> tuple[tuple[str, str, tuple[str, ...], bool], ...]:
    """(key, title, point codes, mirrored) of the four diagrams."""

    def chosen(view: str, side: Side | None = None) -> tuple[str, ...]:
        return tuple(
            p.code for p in points().values() if p.view == view and (side is None or p.side is side)
        )

    return (
        ("front", "Front (patient's right on your left)", chosen("front"), False),
        ("side_right", "Right side", chosen("side", Side.RIGHT), False),
        ("side_left", "Left side", chosen("side", Side.LEFT), True),
        ("back", "Back of head and neck", chosen("back"), False),
    )


def panels(planned: Mapping[str, Decimal], pathway: Pathway) -> list[Panel]:
    """The four diagrams with each point marked as planned (and its units) or not."""
    table = _marked(planned, pathway)
    result = []
    for key, title, codes, mirrored in _panel_layout():
        chosen = tuple(table[code] for code in codes)
        if mirrored:  # the left profile is the right one drawn mirrored
            chosen = tuple(replace(p, x=200 - p.x) for p in chosen)
        result.append(Panel(key, title, chosen, mirrored=mirrored))
    return result


@cache
def _group_layout(pathway: Pathway) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(muscle name, point codes) per muscle, this pathway's muscles first."""
    groups: dict[str, list[MapPoint]] = {}
    for point in _idle(pathway).values():
        groups.setdefault(points()[point.code].muscle, []).append(point)
    ordered = sorted(groups.items(), key=lambda item: (not item[1][0].on_pathway, item[0]))
    return tuple((muscles()[m].name, tuple(p.code for p in ps)) for m, ps in ordered)


def muscle_groups(planned: Mapping[str, Decimal], pathway: Pathway) -> list[MuscleGroup]:
    """The same points as a keyboard-friendly list, grouped by muscle, this pathway's first."""
    table = _marked(planned, pathway)
    return [
        MuscleGroup(name, tuple(table[code] for code in codes))
        for name, codes in _group_layout(pathway)
    ]
