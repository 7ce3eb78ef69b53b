"""Inline SVG plots of a diary summary: days per 28-day period, and acute medication by class.

Pure display: every number comes from `bonta.domain.headache.summary.summarize` (no rule is judged
here; thresholds are the domain's `ClassOveruse.threshold_days`). Colours live in `bonta.css`
under the classes used below: the page's CSP forbids inline style.

Missing days are never drawn as headache-free: each bar is the count over recorded days, and a
lighter segment above it spans the days with no entry, which could have been either. Each period
is labelled with its recorded days ("26/28").

Long histories: every period keeps a fixed width (`GROUP_WIDTH` user units), so ten years (130
periods) never squeeze into unreadable slivers. By default the plot shows the baseline and the
latest `RECENT_PERIODS`, with a marked gap for the periods between (`select_periods`; the page
offers "show all"). Showing all of a long history draws a `wide` SVG at its natural size (one
unit one CSS pixel) that scrolls sideways in its container.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from bonta.domain.headache.ichd import ClassOveruse, MedicationOveruse
from bonta.domain.headache.periods import DayCounts, Period, period_days
from bonta.domain.headache.summary import DiarySummary

# Geometry in SVG user units; the SVG scales to its container (viewBox).
LEFT, RIGHT, TOP, PLOT_HEIGHT, BOTTOM = 34, 64, 40, 180, 44
GROUP_WIDTH, BAR_WIDTH, BAR_GAP = 42, 10, 2
GAP_WIDTH = 44  # the marker standing for periods not shown
RECENT_PERIODS = 13  # shown by default after the baseline: 13 × 28 days ≈ one year
WIDE_FROM = 20  # more slots than this: drawn at natural size, scrolling sideways

SERIES = (  # (DayCounts attribute, CSS class, legend)
    ("headache_days", "bar-headache", "Headache days"),
    ("headache_days_4h", "bar-headache-4h", "Headache days ≥4 h"),
    ("migraine_days", "bar-migraine", "Migraine days"),
)


@dataclass(frozen=True, slots=True)
class _Scale:
    top: float
    height: float
    maximum: int

    def y(self, days: float) -> float:
        return round(self.top + self.height * (1 - days / self.maximum), 1)


def _attrs(**values: object) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(str(v))}"' for name, v in values.items()
    )


def svg_rect(x: float, top: float, bottom: float, width: float, cls: str) -> str:
    height = round(max(bottom - top, 0), 1)
    return f"<rect {_attrs(x=x, y=top, width=width, height=height, class_=cls)}/>"


def svg_text(x: float, y: float, text: str, cls: str, anchor: str = "middle") -> str:
    return f"<text {_attrs(x=x, y=y, class_=cls, text_anchor=anchor)}>{escape(text)}</text>"


def _arrow(x: float, top: float, tip: float) -> str:
    return f'<polygon class="injection-head" points="{x - 5},{top} {x + 5},{top} {x},{tip}"/>'


def svg_line(x1: float, y1: float, x2: float, y2: float, cls: str) -> str:
    return f"<line {_attrs(x1=x1, y1=y1, x2=x2, y2=y2, class_=cls)}/>"


def short_label(p: Period) -> str:
    if p.is_baseline:
        return "BL"
    return f"P{p.index + 1}" if p.index >= 0 else f"P{p.index}"


def recorded_label(c: DayCounts) -> str:
    return f"{c.days_recorded}/{c.days_in_window}"


def _period_title(p: Period) -> str:
    c = p.counts
    state = "" if p.complete else " (in progress)"
    return (
        f"{p.label} {c.start.isoformat()} to {c.end.isoformat()}{state}: "
        f"{c.headache_days} headache days, {c.headache_days_4h} of ≥4 h, "
        f"{c.migraine_days} migraine days; {c.days_recorded} of {c.days_in_window} days recorded"
    )


def _bars(
    x: float, counts: Sequence[int], missing: int, scale: _Scale, classes: Sequence[str]
) -> list[str]:
    """Solid bars for the counts, a lighter segment above each for the days not recorded."""
    parts = []
    for i, (count, cls) in enumerate(zip(counts, classes, strict=True)):
        bx = x + i * (BAR_WIDTH + BAR_GAP)
        if missing:
            parts.append(
                svg_rect(bx, scale.y(count + missing), scale.y(count), BAR_WIDTH, f"{cls} missing")
            )
        parts.append(svg_rect(bx, scale.y(count), scale.y(0), BAR_WIDTH, cls))
    return parts


def _grid(scale: _Scale, right: float) -> list[str]:
    parts = []
    for days in range(0, scale.maximum + 1, 7):
        y = scale.y(days)
        parts.append(svg_line(LEFT, y, right, y, "grid"))
        parts.append(svg_text(LEFT - 4, y + 4, str(days), "tick", "end"))
    return parts


def _legend() -> tuple[str, float]:
    """The legend and where its text ends (the plot is made at least that wide)."""
    items = [(cls, label) for _, cls, label in SERIES] + [
        ("bar-headache missing", "Not recorded (could be either)"),
    ]
    parts, x = [], LEFT
    for cls, label in items:
        parts.append(svg_rect(x, 6, 16, 10, cls))
        parts.append(svg_text(x + 14, 15, label, "legend", "start"))
        x += 24 + 7 * len(label)
    parts.append(svg_line(x, 5, x, 17, "injection"))
    parts.append(svg_text(x + 6, 15, "Injection", "legend", "start"))
    x += 70
    parts.append(svg_line(x, 11, x + 16, 11, "baseline-line"))
    last = "Baseline headache days"
    parts.append(svg_text(x + 20, 15, last, "legend", "start"))
    return f'<g class="legend">{"".join(parts)}</g>', x + 20 + 6 * len(last)


def _baseline_line(c: DayCounts, scale: _Scale, right: float) -> list[str]:
    """The baseline's headache days as a line; none when no baseline day was recorded."""
    if c.days_recorded == 0:
        return [svg_text(right + 4, scale.y(0) - 4, "BL not recorded", "baseline-label", "start")]
    y = scale.y(c.headache_days)
    label = f"BL {c.headache_days}"
    if c.days_missing:
        label += f" ({recorded_label(c)} d)"
    return [
        svg_line(LEFT, y, right, y, "baseline-line"),
        svg_text(right + 4, y + 4, label, "baseline-label", "start"),
    ]


def injection_x(on: date, first: date) -> float:
    """Horizontal position of a date: each period is GROUP_WIDTH wide, from the first period."""
    return round(LEFT + (on - first).days * GROUP_WIDTH / period_days(), 1)


@dataclass(frozen=True, slots=True)
class Selection:
    """Which periods a plot and its table show: indexes into `summary.periods`, in order."""

    shown: tuple[int, ...]
    hidden: int  # periods left out between the baseline and the recent ones
    gap_after: int | None  # position in `shown` after which the gap marker stands


def select_periods(periods: Sequence[Period], recent: int | None = RECENT_PERIODS) -> Selection:
    """All periods, or the baseline and the latest `recent` ones (`recent` None: all)."""
    every = tuple(range(len(periods)))
    if recent is None or len(periods) <= recent + 1:
        return Selection(every, 0, None)
    tail = every[-recent:]
    head = tuple(i for i, p in enumerate(periods) if p.is_baseline and i not in tail)
    hidden = len(periods) - len(tail) - len(head)
    return Selection(head + tail, hidden, len(head) - 1 if head else None)


@dataclass(frozen=True, slots=True)
class _Slot:
    x: float
    period: Period | None  # None: the gap marker


def _slots(periods: Sequence[Period], selection: Selection) -> list[_Slot]:
    slots, x = [], float(LEFT)
    for position, i in enumerate(selection.shown):
        if position == 0 and selection.gap_after is None and selection.hidden:
            slots.append(_Slot(x, None))  # no baseline to keep: the gap comes first
            x += GAP_WIDTH
        slots.append(_Slot(x, periods[i]))
        x += GROUP_WIDTH
        if position == selection.gap_after:
            slots.append(_Slot(x, None))
            x += GAP_WIDTH
    return slots


def _date_x(on: date, slots: Sequence[_Slot]) -> float | None:
    """Where a date falls on the plot; None when its period is not shown."""
    for slot in slots:
        p = slot.period
        if p is not None and p.counts.start <= on <= p.counts.end:
            return round(slot.x + (on - p.counts.start).days * GROUP_WIDTH / period_days(), 1)
    return None


def _gap(slot: _Slot, hidden: Sequence[Period], injections: int, scale: _Scale) -> str:
    first, last = hidden[0].counts.start, hidden[-1].counts.end
    title = (
        f"{len(hidden)} periods not shown ({first.isoformat()} to {last.isoformat()}), "
        f"{injections} injection(s) in them"
    )
    mid = slot.x + GAP_WIDTH / 2
    return (
        f'<g class="gap" data-hidden="{len(hidden)}"><title>{escape(title)}</title>'
        + svg_line(mid - 4, scale.y(0) + 4, mid + 4, scale.y(0) - 4, "gap-mark")
        + svg_line(mid + 1, scale.y(0) + 4, mid + 9, scale.y(0) - 4, "gap-mark")
        + svg_text(mid, TOP + PLOT_HEIGHT + 15, "…", "period-label")
        + svg_text(mid, TOP + PLOT_HEIGHT + 29, f"{len(hidden)} more", "recorded")
        + "</g>"
    )


def headache_plot(summary: DiarySummary, recent: int | None = RECENT_PERIODS) -> str:
    """Headache, ≥4 h headache and migraine days per period, injections and the baseline line.

    `recent`: show the baseline and the latest `recent` periods, with a gap marker for the
    rest (None: every period).
    """
    periods = summary.periods
    if not periods:
        return ""
    selection = select_periods(periods, recent)
    slots = _slots(periods, selection)
    scale = _Scale(TOP, PLOT_HEIGHT, period_days())
    right = slots[-1].x + GROUP_WIDTH
    legend, legend_end = _legend()
    width, height = max(right + RIGHT, legend_end + 8), TOP + PLOT_HEIGHT + BOTTOM
    parts = [legend, *_grid(scale, right)]
    classes = [cls for _, cls, _ in SERIES]
    shown = set(selection.shown)
    hidden = [p for i, p in enumerate(periods) if i not in shown]
    for slot in slots:
        p, x = slot.period, slot.x
        if p is None:
            inside = sum(1 for on in summary.diary.injections if _date_x(on, slots) is None)
            parts.append(_gap(slot, hidden, inside, scale))
            continue
        c = p.counts
        state = " baseline" if p.is_baseline else ""
        state += "" if p.complete else " incomplete"
        counts = [getattr(c, name) for name, _, _ in SERIES]
        parts.append(
            f'<g class="period{state}" data-period="{escape(p.label)}">'
            f"<title>{escape(_period_title(p))}</title>"
            + "".join(_bars(x + 5, counts, c.days_missing, scale, classes))
            + svg_text(x + GROUP_WIDTH / 2, TOP + PLOT_HEIGHT + 15, short_label(p), "period-label")
            + svg_text(x + GROUP_WIDTH / 2, TOP + PLOT_HEIGHT + 29, recorded_label(c), "recorded")
            + "</g>"
        )
    if summary.baseline is not None:
        parts += _baseline_line(summary.baseline.counts, scale, right)
    for n, on in enumerate(summary.diary.injections, start=1):
        x = _date_x(on, slots)
        if x is None:
            continue  # in a period not shown; the gap marker counts it
        parts.append(
            f'<g class="injection-marker" data-date="{on.isoformat()}">'
            f"<title>Injection {n}: {on.isoformat()}</title>"
            + svg_line(x, TOP - 6, x, TOP + PLOT_HEIGHT, "injection")
            + _arrow(x, TOP - 12, TOP - 4)
            + "</g>"
        )
    note = "days recorded / days in period"
    parts.append(svg_text(LEFT, TOP + PLOT_HEIGHT + 42, note, "recorded", "start"))
    title = "Headache days per 28-day period"
    if selection.hidden:
        title += f" (baseline and the latest {recent}; {selection.hidden} periods not shown)"
    wide = len(slots) > WIDE_FROM
    return svg_root(width, height, "headache-plot wide" if wide else "headache-plot", title, parts)


def svg_root(width: float, height: float, cls: str, title: str, parts: Sequence[str]) -> str:
    # width/height give a `wide` plot its natural size (CSS sizes the others to their box).
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )


# ---- acute medication against ICHD-3 8.2 B ------------------------------------------------------

PANEL_WIDTH, PANEL_HEIGHT, PANEL_TOP = 118, 90, 22


def _panel(c: ClassOveruse, periods: Sequence[Period], x0: float) -> str:
    scale = _Scale(PANEL_TOP, PANEL_HEIGHT, period_days())
    step = (PANEL_WIDTH - 20) / max(len(periods), 1)
    parts = [svg_text(x0 + PANEL_WIDTH / 2, 8, c.name.replace("_", " "), "panel-title")]
    if c.code:
        parts.append(svg_text(x0 + PANEL_WIDTH / 2, 17, c.code, "tick"))
    parts.append(svg_line(x0 + 8, scale.y(0), x0 + PANEL_WIDTH - 8, scale.y(0), "grid"))
    for i, (p, days) in enumerate(zip(periods, c.days_per_period, strict=True)):
        bx = x0 + 12 + i * step
        parts.append(
            f"<g><title>{escape(p.label)}: {days} days with {escape(c.name.replace('_', ' '))}; "
            f"{p.counts.days_recorded} of {p.counts.days_in_window} days recorded</title>"
            + "".join(_bars(bx, [days], p.counts.days_missing, scale, ["bar-medication"]))
            + svg_text(bx + BAR_WIDTH / 2, scale.y(0) + 12, str(days), "tick")
            + "</g>"
        )
    if c.threshold_days is not None:
        y = scale.y(c.threshold_days)
        parts.append(svg_line(x0 + 8, y, x0 + PANEL_WIDTH - 8, y, "threshold-line"))
        parts.append(
            svg_text(x0 + PANEL_WIDTH - 8, y - 3, f"≥{c.threshold_days}", "threshold-label", "end")
        )
    else:
        parts.append(svg_text(x0 + PANEL_WIDTH / 2, PANEL_TOP + 20, "no threshold", "tick"))
    status = "none" if c.judgement is None else c.judgement.value
    return (
        f'<g class="med-panel status-{status}" data-class="{escape(c.name)}">{"".join(parts)}</g>'
    )


def medication_plot(overuse: MedicationOveruse) -> str:
    """Acute-medication days per class in each judged period, with the class's 8.2 B threshold."""
    if not overuse.periods or not overuse.classes:
        return ""
    panels = [_panel(c, overuse.periods, i * PANEL_WIDTH) for i, c in enumerate(overuse.classes)]
    width = PANEL_WIDTH * len(panels)
    return svg_root(
        width,
        PANEL_TOP + PANEL_HEIGHT + 18,
        "medication-plot",
        "Acute-medication days per class and period against ICHD-3 8.2 thresholds",
        panels,
    )
