"""Inline SVG plots of HIT-6 and MIDAS totals over time, on their reference bands.

Pure display: totals are those `bonta.domain.headache.scoring` gave; bands come from the reference
through `bonta.domain.headache.questionnaires.bands` (HIT-6 impact bands, clinical-reference §6.1;
MIDAS grades I–IV, §6.2) and are drawn as horizontal zones, each labelled with its range. One
point per response, joined in date order; injection dates are dashed vertical lines. Colours
live in `bonta.css` (the page's CSP forbids inline style); the page puts a data table beside
each plot, so nothing is only in the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from bonta.domain.headache.questionnaires import (
    INSTRUMENT_LABELS,
    Instrument,
    ScoreEntry,
    bands,
)
from bonta.domain.headache.scoring import Band, hit6_scale
from bonta.migraine.diary_plot import svg_line, svg_root, svg_text

LEFT, TOP, PLOT_WIDTH, PLOT_HEIGHT, BOTTOM, RIGHT = 34, 14, 560, 150, 30, 170
MIDAS_AXIS_MIN_TOP = 30  # the MIDAS axis reaches at least this (grade IV starts at 21)
MIN_SPAN_DAYS = 28


@dataclass(frozen=True, slots=True)
class _Axes:
    start: date
    days: int
    low: int
    high: int

    def x(self, on: date) -> float:
        return round(LEFT + PLOT_WIDTH * (on - self.start).days / self.days, 1)

    def y(self, value: float) -> float:
        return round(TOP + PLOT_HEIGHT * (1 - (value - self.low) / (self.high - self.low)), 1)


def score_range(instrument: Instrument, entries: Sequence[ScoreEntry]) -> tuple[int, int]:
    """The y axis: HIT-6's whole range (36–78); MIDAS from 0 to a round top above the data."""
    if instrument is Instrument.HIT6:
        scale = hit6_scale()
        return scale.total_min, scale.total_max
    highest = max((e.score for e in entries), default=0)
    return 0, max(MIDAS_AXIS_MIN_TOP, -(-(highest + 1) // 10) * 10)


def band_range(band: Band) -> str:
    return f"{band.min}–{band.max}" if band.max is not None else f"≥{band.min}"


def _zones(instrument: Instrument, axes: _Axes) -> list[str]:
    parts = []
    for i, band in enumerate(bands(instrument)):
        low = max(band.min - 0.5, axes.low)
        high = axes.high if band.max is None else min(band.max + 0.5, axes.high)
        top, bottom = axes.y(high), axes.y(low)
        name = f"{band.code} {band.label}" if instrument is Instrument.MIDAS else band.label
        parts.append(
            f'<g class="band band-{i}" data-band="{escape(band.code)}">'
            f"<title>{escape(name)}: {band_range(band)} ({escape(band.source)})</title>"
            f'<rect x="{LEFT}" y="{top}" width="{PLOT_WIDTH}" height="{round(bottom - top, 1)}" '
            f'class="band-zone"/>'
            + svg_text(LEFT + PLOT_WIDTH + 6, (top + bottom) / 2 + 3, name, "band-label", "start")
            + svg_text(LEFT - 4, bottom + 3, str(max(band.min, axes.low)), "tick", "end")
            + "</g>"
        )
    parts.append(svg_text(LEFT - 4, axes.y(axes.high) + 3, str(axes.high), "tick", "end"))
    return parts


def _ticks(axes: _Axes) -> list[str]:
    """Date ticks: months for up to 6 months, quarters up to 3 years, then years."""
    end = axes.start + timedelta(days=axes.days)
    step = 1 if axes.days <= 183 else 3 if axes.days <= 3 * 366 else 12
    year, month = axes.start.year, axes.start.month
    parts = []
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if (month - 1) % step:
            continue
        on = date(year, month, 1)
        if on > end:
            return parts
        x = axes.x(on)
        label = str(year) if step == 12 else f"{year}-{month:02d}"
        parts.append(svg_line(x, TOP + PLOT_HEIGHT, x, TOP + PLOT_HEIGHT + 4, "axis"))
        parts.append(svg_text(x, TOP + PLOT_HEIGHT + 15, label, "tick"))


def _injections(injections: Sequence[date], axes: _Axes) -> list[str]:
    parts = []
    end = axes.start + timedelta(days=axes.days)
    for n, on in enumerate(injections, start=1):
        if not axes.start <= on <= end:
            continue
        x = axes.x(on)
        parts.append(
            f'<g class="injection-marker" data-date="{on.isoformat()}">'
            f"<title>Injection {n}: {on.isoformat()}</title>"
            + svg_line(x, TOP, x, TOP + PLOT_HEIGHT, "injection")
            + "</g>"
        )
    return parts


def _points(instrument: Instrument, entries: Sequence[ScoreEntry], axes: _Axes) -> list[str]:
    order = {b.code: i for i, b in enumerate(bands(instrument))}
    coords = [(axes.x(e.completed_on), axes.y(e.score)) for e in entries]
    parts = []
    if len(coords) > 1:
        points = " ".join(f"{x},{y}" for x, y in coords)
        parts.append(f'<polyline class="score-line" points="{points}"/>')
    for e, (x, y) in zip(entries, coords, strict=True):
        band = e.band
        parts.append(
            f'<g class="score-point band-{order[band.code]}" '
            f'data-date="{e.completed_on.isoformat()}" data-score="{e.score}">'
            f"<title>{INSTRUMENT_LABELS[instrument]} {e.completed_on.isoformat()}: {e.score} "
            f"({escape(band.label)})</title>"
            f'<circle cx="{x}" cy="{y}" r="4"/></g>'
        )
    return parts


def questionnaire_plot(
    instrument: Instrument,
    entries: Sequence[ScoreEntry],
    injections: Sequence[date],
    as_of: date,
) -> str:
    """One instrument's totals over time on its bands, injections marked; "" without data."""
    mine = sorted(
        (e for e in entries if e.instrument is instrument and e.completed_on <= as_of),
        key=lambda e: e.completed_on,
    )
    if not mine:
        return ""
    first = min([mine[0].completed_on, *(d for d in injections if d <= as_of)])
    start = first - timedelta(days=7)
    low, high = score_range(instrument, mine)
    axes = _Axes(start, max((as_of - start).days + 7, MIN_SPAN_DAYS), low, high)
    parts = [
        *_zones(instrument, axes),
        svg_line(LEFT, TOP + PLOT_HEIGHT, LEFT + PLOT_WIDTH, TOP + PLOT_HEIGHT, "axis"),
        *_ticks(axes),
        *_injections(injections, axes),
        *_points(instrument, mine, axes),
    ]
    label = INSTRUMENT_LABELS[instrument]
    what = "impact bands" if instrument is Instrument.HIT6 else "grades"
    return svg_root(
        LEFT + PLOT_WIDTH + RIGHT,
        TOP + PLOT_HEIGHT + BOTTOM,
        f"score-plot score-plot-{instrument.value}",
        f"{label} total over time, on its {what}, injections marked",
        parts,
    )
