"""Ten years of diary (131 periods) stay readable: fixed width per period, recent by default.

The plot shows the baseline and the latest 13 periods with a gap marker standing for the rest;
"show all" draws every period at its natural size in a sideways-scrolling box. The table
under the plot follows the same selection.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bonta.accounts.models import User
from bonta.domain.headache.days import DiaryDay
from bonta.domain.headache.summary import summarize
from bonta.migraine.diary_csv import format_diary_csv
from bonta.migraine.diary_plot import (
    GROUP_WIDTH,
    RECENT_PERIODS,
    WIDE_FROM,
    headache_plot,
    select_periods,
)
from bonta.migraine.services import local_today
from bonta.records.models import Patient
from migraine.conftest import signed_migraine_sessions

SVG = "{http://www.w3.org/2000/svg}"
AS_OF = date(2025, 6, 30)
YEARS = 10


def day(on: date) -> DiaryDay:
    if on.toordinal() % 3:
        return DiaryDay(on, headache=False)
    return DiaryDay(on, headache=True, hours=Decimal(5), intensity=2, unilateral=True)


def ten_years(as_of: date) -> tuple[list[DiaryDay], list[date]]:
    first = as_of - timedelta(days=365 * YEARS)
    days = [day(first + timedelta(days=n)) for n in range((as_of - first).days + 1)]
    injections = [first + timedelta(days=28 + 84 * k) for k in range(44)]
    return days, [d for d in injections if d <= as_of]


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output


def period_groups(root: ElementTree.Element) -> list[ElementTree.Element]:
    return [g for g in root.iter(f"{SVG}g") if "period" in g.get("class", "").split()]


def group_x(group: ElementTree.Element) -> float:
    return min(float(r.get("x", "0")) for r in group.iter(f"{SVG}rect"))


# ---- the plot (no database) --------------------------------------------------------------------


def test_ten_years_are_131_periods_and_by_default_14_are_drawn_with_a_gap() -> None:
    days, injections = ten_years(AS_OF)
    summary = summarize(days, injections, AS_OF)
    assert len(summary.periods) == 131  # baseline + 130 periods since the first injection
    root = parse(headache_plot(summary))
    groups = period_groups(root)
    labels = [g.get("data-period") for g in groups]
    assert labels[0] == "baseline"
    assert labels[1:] == [p.label for p in summary.periods[-RECENT_PERIODS:]]
    gaps = [g for g in root.iter(f"{SVG}g") if g.get("class") == "gap"]
    assert [g.get("data-hidden") for g in gaps] == [str(131 - 1 - RECENT_PERIODS)]
    assert "wide" not in root.get("class", "").split()
    # Only injections inside the drawn periods are marked; the gap's title counts the others.
    shown = [
        m.get("data-date") for m in root.iter(f"{SVG}g") if m.get("class") == "injection-marker"
    ]
    drawn = [p for p in summary.periods if p.label in labels]
    inside = [d for d in injections if any(p.counts.start <= d <= p.counts.end for p in drawn)]
    assert shown == [d.isoformat() for d in inside]
    title = gaps[0].find(f"{SVG}title")
    assert title is not None
    assert f"{len(injections) - len(inside)} injection(s) in them" in (title.text or "")


def test_every_drawn_period_keeps_its_full_width_however_long_the_history() -> None:
    days, injections = ten_years(AS_OF)
    summary = summarize(days, injections, AS_OF)
    for recent in (RECENT_PERIODS, None):
        root = parse(headache_plot(summary, recent))
        xs = [group_x(g) for g in period_groups(root)]
        steps = {round(b - a, 1) for a, b in pairwise(xs[1:])}  # xs[0]: before the gap
        assert steps == {GROUP_WIDTH}


def test_show_all_draws_131_periods_at_natural_size_to_scroll() -> None:
    days, injections = ten_years(AS_OF)
    summary = summarize(days, injections, AS_OF)
    svg = headache_plot(summary, None)
    root = parse(svg)
    assert len(period_groups(root)) == 131
    assert "wide" in root.get("class", "").split()
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    # One user unit is one CSS pixel: the plot is as wide as its periods, never squeezed.
    assert (float(root.get("width", "")), float(root.get("height", ""))) == (width, height)
    assert width >= GROUP_WIDTH * 131
    markers = [m for m in root.iter(f"{SVG}g") if m.get("class") == "injection-marker"]
    assert len(markers) == len(injections)


def test_a_short_history_is_unchanged_by_the_selection() -> None:
    days, _ = ten_years(AS_OF)
    recent = [d for d in days if d.on > AS_OF - timedelta(days=200)]
    summary = summarize(recent, [], AS_OF)
    selection = select_periods(summary.periods)
    assert selection.shown == tuple(range(len(summary.periods)))
    assert selection.hidden == 0
    assert len(summary.periods) + 1 <= WIDE_FROM


def test_without_a_baseline_the_gap_comes_first() -> None:
    days, _ = ten_years(AS_OF)
    summary = summarize(days, [], AS_OF)  # never injected: no baseline to keep
    selection = select_periods(summary.periods)
    assert selection.gap_after is None
    assert selection.shown == tuple(range(len(summary.periods)))[-RECENT_PERIODS:]
    root = parse(headache_plot(summary))
    classes = [g.get("class", "") for g in root if g.tag == f"{SVG}g"]
    assert classes.index("gap") < next(i for i, c in enumerate(classes) if c.startswith("period"))


# ---- the page ----------------------------------------------------------------------------------


@pytest.fixture
def ten_year_patient(alice: Patient, dr_grey: User, as_grey: Client) -> Patient:
    days, injections = ten_years(local_today())
    signed_migraine_sessions(alice, dr_grey, *injections)
    upload = SimpleUploadedFile("d.csv", format_diary_csv(days).encode(), content_type="text/csv")
    response = as_grey.post(f"/patients/{alice.pk}/diary/import/", {"file": upload})
    assert response.status_code == 302
    return alice


def test_the_page_shows_the_recent_periods_and_offers_all(
    as_grey: Client, ten_year_patient: Patient
) -> None:
    html = as_grey.get(f"/patients/{ten_year_patient.pk}/diary/").content.decode()
    labels = re.findall(r'<g class="period[^"]*" data-period="([^"]+)"', html)
    assert len(labels) == 1 + RECENT_PERIODS
    assert 'href="?periods=all#plot-h"' in html
    assert "Show all 131 periods" in html
    table = re.search(r'<table class="list compact periods">(.*?)</table>', html, re.S)
    assert table is not None
    assert len(re.findall(r'<th scope="row">', table.group(1))) == 1 + RECENT_PERIODS
    assert "117 earlier periods not shown" in table.group(1)


def test_show_all_lists_every_period_in_a_scrolling_box(
    as_grey: Client, ten_year_patient: Patient
) -> None:
    html = as_grey.get(f"/patients/{ten_year_patient.pk}/diary/?periods=all").content.decode()
    assert len(re.findall(r'<g class="period[^"]*" data-period=', html)) == 131
    scroll = '<div class="plot-scroll"><svg xmlns="http://www.w3.org/2000/svg" '
    assert scroll + 'class="headache-plot wide"' in html
    assert "Show the latest 13 only" in html
    table = re.search(r'<table class="list compact periods">(.*?)</table>', html, re.S)
    assert table is not None
    assert len(re.findall(r'<th scope="row">', table.group(1))) == 131
