"""The injection map's view model: the domain's points on four server-rendered SVG views.

Coordinates come from `bonta.domain.anatomy.points()` (200 × 240 drawings). Side points are
listed once per side with the same coordinates, so the left profile is drawn mirrored.

Made for the chair (issue 14): one view at a time fills its column; each view (`VIEWS`) is
cropped to its points, so they spread out; every point has a hit circle of its view's
`hit_radius`, which is 44 CSS px or more across once the view is drawn at its `min_width_px`
(held by the stylesheet) — WCAG 2.5.5 target size — and no two hit circles of a view overlap
and no muscle name covers one (tested). Muscle names are drawn beside their points.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache, lru_cache

from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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
    hit: Decimal = Decimal("5.2")  # the touch target's radius in drawing units (the view's)


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
class View:
    """One view of the map: which points it shows, its crop of the drawing, its touch targets."""

    key: str
    tab: str  # the tab's label
    title: str  # the view's accessible name
    outline: str  # which drawing: front / side / back
    box: tuple[int, int, int, int]  # crop of the 200 × 240 drawing: x, y, width, height
    hit_radius: Decimal  # drawing units; at most half the closest two points of the view
    mirrored: bool = False

    @property
    def min_width_px(self) -> int:
        """The narrowest the view may be drawn with hit circles still 44 CSS px across
        (WCAG 2.5.5); the stylesheet holds it as the view's min-width."""
        width = Decimal(self.box[2]) * HIT_DIAMETER_PX / (2 * self.hit_radius)
        return int(width.to_integral_value(rounding="ROUND_CEILING"))


HIT_DIAMETER_PX = 44
FACE_SPLIT_Y = 128  # front points above this line are on the upper face, below on the lower

# The front is split in two so that the closely spaced upper-face points (orbicularis oculi,
# 10.4 drawing units apart) can be drawn large enough for a finger without the view growing
# taller than a portrait tablet's screen.
VIEWS: tuple[View, ...] = (
    View(
        "front_upper",
        "Upper face",
        "Upper face, front (patient's right on your left)",
        "front",
        (30, 30, 140, 98),
        Decimal("5.2"),
    ),
    View(
        "front_lower",
        "Lower face, neck",
        "Lower face and neck, front (patient's right on your left)",
        "front",
        (30, 128, 140, 104),
        Decimal("6"),
    ),
    View(
        "side_right",
        "Right side",
        "Right side of the head",
        "side",
        (30, 10, 150, 150),
        Decimal("9"),
    ),
    View(
        "side_left",
        "Left side",
        "Left side of the head",
        "side",
        (20, 10, 150, 150),
        Decimal("9"),
        mirrored=True,
    ),
    View(
        "back",
        "Back",
        "Back of head and neck (patient's left on your left)",
        "back",
        (10, 50, 180, 158),
        Decimal("9"),
    ),
)
VIEW_KEYS = tuple(v.key for v in VIEWS)
_BY_KEY = {v.key: v for v in VIEWS}


@dataclass(frozen=True, slots=True)
class MuscleLabel:
    x: int
    y: int
    text: str
    anchor: str  # SVG text-anchor: start / middle / end


@dataclass(frozen=True, slots=True)
class Panel:
    view: View
    points: tuple[MapPoint, ...]
    labels: tuple[MuscleLabel, ...] = ()
    planned_count: int = 0

    @property
    def points_svg(self) -> SafeString:
        return _markup(POINT_SVG, self.points)

    @property
    def labels_svg(self) -> SafeString:
        """The view's label texts as SVG (the same for every plan: made once per view)."""
        return _labels_svg(self.view.key)

    @property
    def key(self) -> str:
        return self.view.key

    @property
    def title(self) -> str:
        return self.view.title

    @property
    def tab(self) -> str:
        return self.view.tab

    @property
    def outline(self) -> str:
        return self.view.outline

    @property
    def mirrored(self) -> bool:
        return self.view.mirrored

    @property
    def view_box(self) -> str:
        return " ".join(str(n) for n in self.view.box)


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
def view_points(key: str) -> tuple[str, ...]:
    """The codes of the points a view shows."""
    view = _BY_KEY[key]

    def shown(point: Point) -> bool:
        if view.outline == "front":
            upper = point.y < FACE_SPLIT_Y
            return point.view == "front" and upper == (key == "front_upper")
        if view.outline == "side":
            wanted = Side.LEFT if view.mirrored else Side.RIGHT
            return point.view == "side" and point.side is wanted
        return point.view == "back"

    return tuple(p.code for p in points().values() if shown(p))


def initial_view(asked: str, planned: Mapping[str, Decimal], pathway: Pathway) -> str:
    """The view to show: the one the form kept, else the first with a planned point, else the
    first with a point of this pathway's areas (upper face for both pathways today)."""
    if asked in VIEW_KEYS:
        return asked
    for view in VIEWS:
        if any(code in planned for code in view_points(view.key)):
            return view.key
    table = _idle(pathway)
    for view in VIEWS:
        if any(table[code].on_pathway for code in view_points(view.key)):
            return view.key
    return VIEWS[0].key


def panels(planned: Mapping[str, Decimal], pathway: Pathway) -> list[Panel]:
    """Every view with each point marked as planned (and its units) or not."""
    table = _marked(planned, pathway)
    result = []
    for view in VIEWS:
        chosen = tuple(replace(table[code], hit=view.hit_radius) for code in view_points(view.key))
        if view.mirrored:  # the left profile is the right one drawn mirrored
            chosen = tuple(replace(p, x=200 - p.x) for p in chosen)
        result.append(
            Panel(
                view,
                chosen,
                labels=_labels(view.key),
                planned_count=sum(1 for p in chosen if p.planned),
            )
        )
    return result


# Where each muscle's name is drawn on each view (drawing units; once per muscle, placed by
# hand where it covers no hit circle — tested), and which side of the patient each edge is.
_LABELS: dict[str, tuple[tuple[str, int, int, str], ...]] = {
    "front_upper": (
        ("frontalis", 100, 41, "middle"),
        ("corrugator", 129, 70, "start"),
        ("procerus", 100, 98, "middle"),
        ("orbicularis_oculi", 151, 117, "middle"),
        ("nasalis", 100, 123, "middle"),
    ),
    "front_lower": (
        ("orbicularis_oris", 100, 138, "middle"),
        ("masseter", 144, 161, "middle"),
        ("depressor_anguli_oris", 129, 170, "start"),
        ("mentalis", 100, 188, "middle"),
        ("platysma", 130, 213, "start"),
    ),
    "side_right": (("temporalis", 104, 88, "middle"),),
    "side_left": (("temporalis", 96, 88, "middle"),),
    "back": (
        ("occipitalis", 100, 66, "middle"),
        ("cervical_paraspinal", 100, 159, "middle"),
        ("trapezius", 100, 196, "middle"),
    ),
}
_EDGES: dict[str, tuple[str, str]] = {  # (viewer's left edge, viewer's right edge)
    "front_upper": ("Patient's right", "Patient's left"),
    "front_lower": ("Patient's right", "Patient's left"),
    "back": ("Patient's left", "Patient's right"),
}


@cache
def _labels(key: str) -> tuple[MuscleLabel, ...]:
    """The muscle names of a view, and the patient's sides at its lower edges."""
    x0, y0, width, height = _BY_KEY[key].box
    labels = [
        MuscleLabel(x, y, _short(muscles()[muscle].name), anchor)
        for muscle, x, y, anchor in _LABELS[key]
    ]
    if key in _EDGES:
        left, right = _EDGES[key]
        bottom = y0 + height - 3
        labels += [MuscleLabel(x0 + 3, bottom, left, "start")]
        labels += [MuscleLabel(x0 + width - 3, bottom, right, "end")]
    return tuple(labels)


@cache
def _labels_svg(key: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every text is escaped
        "".join(
            f'<text x="{label.x}" y="{label.y}" text-anchor="{escape(label.anchor)}">'
            f"{escape(label.text)}</text>"
            for label in _labels(key)
        )
    )


def _short(name: str) -> str:
    """A muscle's name as the map shows it: without a parenthesis or "muscle group"."""
    return name.split(" (")[0].removesuffix(" muscle group")


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
