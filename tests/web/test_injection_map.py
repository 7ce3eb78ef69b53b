"""The injection map at the chair: touch targets, views, labels (bonta.web.injection_map)."""

from __future__ import annotations

import itertools
import math
import re
from decimal import Decimal
from pathlib import Path

import pytest

from bonta.domain.anatomy import points
from bonta.domain.pathways import Pathway
from bonta.web import injection_map
from bonta.web.injection_map import HIT_DIAMETER_PX, VIEWS, initial_view, panels, view_points

CSS = Path(injection_map.__file__).resolve().parents[1] / "static" / "bonta" / "bonta.css"
FONT = 3.0  # .map-labels text { font-size: 3px } in drawing units
CHAR = 0.62 * FONT  # a generous average advance per character


def test_every_point_is_in_exactly_one_view() -> None:
    shown = [code for view in VIEWS for code in view_points(view.key)]
    assert sorted(shown) == sorted(points())


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.key)
def test_a_hit_circle_is_at_least_44_css_px_at_the_views_minimum_width(view) -> None:
    # diameter × (CSS px per drawing unit) = 2r × min_width / box width, compared exactly
    assert 2 * view.hit_radius * view.min_width_px >= HIT_DIAMETER_PX * view.box[2]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.key)
def test_hit_circles_of_a_view_never_overlap(view) -> None:
    table = points()
    for a, b in itertools.combinations(view_points(view.key), 2):
        gap = math.dist((table[a].x, table[a].y), (table[b].x, table[b].y))
        assert gap >= 2 * float(view.hit_radius), (a, b, gap)


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.key)
def test_the_stylesheet_holds_each_views_minimum_width(view) -> None:
    css = CSS.read_text()
    rule = re.search(r"([^{}]*\.map-" + view.key + r"\b[^{}]*)\{([^}]*)\}", css)
    assert rule, f"no rule for .map-{view.key}"
    assert f"min-width: {view.min_width_px}px" in rule.group(2)


def _label_box(label) -> tuple[float, float, float, float]:
    width = len(label.text) * CHAR
    left = {"start": label.x, "middle": label.x - width / 2, "end": label.x - width}[label.anchor]
    return left, label.y - FONT * 0.8, left + width, label.y + FONT * 0.2


def _overlaps_circle(box: tuple[float, float, float, float], x: float, y: float, r: float) -> bool:
    left, top, right, bottom = box
    nearest_x, nearest_y = min(max(x, left), right), min(max(y, top), bottom)
    return math.dist((x, y), (nearest_x, nearest_y)) < r


@pytest.mark.parametrize("pathway", list(Pathway))
def test_muscle_names_are_drawn_inside_their_view_and_cover_no_touch_target(pathway) -> None:
    for panel in panels({}, pathway):
        x0, y0, width, height = panel.view.box
        assert panel.labels, panel.key
        for label in panel.labels:
            box = _label_box(label)
            assert x0 <= box[0], (panel.key, label.text)
            assert box[2] <= x0 + width, (panel.key, label.text)
            assert y0 <= box[1], (panel.key, label.text)
            assert box[3] <= y0 + height, (panel.key, label.text)
            for p in panel.points:
                assert not _overlaps_circle(box, p.x, p.y, float(p.hit)), (label.text, p.code)


def test_every_muscle_of_a_view_is_named_on_it() -> None:
    for panel in panels({}, Pathway.CHRONIC_MIGRAINE):
        named = {label.text for label in panel.labels}
        for code in view_points(panel.key):
            muscle = points()[code].muscle
            assert any(injection_map.muscles()[muscle].name.startswith(n) for n in named), code


def test_the_left_profile_is_the_right_one_mirrored() -> None:
    right, left = (p for p in panels({}, Pathway.CHRONIC_MIGRAINE) if p.key.startswith("side"))
    assert [200 - p.x for p in right.points] == [p.x for p in left.points]


def test_the_view_shown_first_is_kept_else_the_first_with_a_planned_point() -> None:
    assert initial_view("back", {}, Pathway.COSMETIC) == "back"
    planned = {"trapezius_1_l": Decimal(5)}
    assert initial_view("nonsense", planned, Pathway.CHRONIC_MIGRAINE) == "back"
    assert initial_view("", {}, Pathway.COSMETIC) == "front_upper"


def test_planned_points_are_counted_per_view() -> None:
    shown = panels({"procerus_mid": Decimal(4)}, Pathway.COSMETIC)
    counted = {p.key: p.planned_count for p in shown}
    assert counted == {
        "front_upper": 1,
        "front_lower": 0,
        "side_right": 0,
        "side_left": 0,
        "back": 0,
    }
