"""Inline SVG plots of a diary summary: days per 28-day period, and acute medication by class.

Pure display: every number comes from `bonta.domain.diary_summary.summarize` (no rule is judged
here; thresholds are the domain's `ClassOveruse.threshold_days`). Colours live in `bonta.css`
under the classes used below: the page's CSP forbids inline style.

Missing days are never drawn as headache-free: each bar is the count over recorded days, and a
lighter segment above it spans the days with no entry, which could have been either. Each period
is labelled with its recorded days ("26/28").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from bonta.domain.diary_ichd import ClassOveruse, MedicationOveruse
from bonta.domain.diary_periods import DayCounts, Period, period_days
from bonta.domain.diary_summary import DiarySummary

# Geometry in SVG user units; the SVG scales to its container (viewBox).
LEFT, RIGHT, TOP, PLOT_HEIGHT, BOTTOM = 34, 64, 40, 180, 44
GROUP_WIDTH, BAR_WIDTH, BAR_GAP = 42, 10, 2

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


def _rect(x: float, top: float, bottom: float, width: float, cls: str) -> str:
    height = round(max(bottom - top, 0), 1)
    return f"<rect {_attrs(x=x, y=top, width=width, height=height, class_=cls)}/>"


def _text(x: float, y: float, text: str, cls: str, anchor: str = "middle") -> str:
    return f"<text {_attrs(x=x, y=y, class_=cls, text_anchor=anchor)}>{escape(text)}</text>"


def _arrow(x: float, top: float, tip: float) -> str:
    return f'<polygon class="injection-head" points="{x - 5},{top} {x + 5},{top} {x},{tip}"/>'


def _line(x1: float, y1: float, x2: float, y2: float, cls: str) -> str:
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
                _rect(bx, scale.y(count + missing), scale.y(count), BAR_WIDTH, f"{cls} missing")
            )
        parts.append(_rect(bx, scale.y(count), scale.y(0), BAR_WIDTH, cls))
    return parts


def _grid(scale: _Scale, right: float) -> list[str]:
    parts = []
    for days in range(0, scale.maximum + 1, 7):
        y = scale.y(days)
        parts.append(_line(LEFT, y, right, y, "grid"))
        parts.append(_text(LEFT - 4, y + 4, str(days), "tick", "end"))
    return parts


def _legend() -> str:
    items = [(cls, label) for _, cls, label in SERIES] + [
        ("bar-headache missing", "Not recorded (could be either)"),
    ]
    parts, x = [], LEFT
    for cls, label in items:
        parts.append(_rect(x, 6, 16, 10, cls))
        parts.append(_text(x + 14, 15, label, "legend", "start"))
        x += 24 + 7 * len(label)
    parts.append(_line(x, 5, x, 17, "injection"))
    parts.append(_text(x + 6, 15, "Injection", "legend", "start"))
    x += 70
    parts.append(_line(x, 11, x + 16, 11, "baseline-line"))
    parts.append(_text(x + 20, 15, "Baseline headache days", "legend", "start"))
    return f'<g class="legend">{"".join(parts)}</g>'


def _baseline_line(c: DayCounts, scale: _Scale, right: float) -> list[str]:
    """The baseline's headache days as a line; none when no baseline day was recorded."""
    if c.days_recorded == 0:
        return [_text(right + 4, scale.y(0) - 4, "BL not recorded", "baseline-label", "start")]
    y = scale.y(c.headache_days)
    label = f"BL {c.headache_days}"
    if c.days_missing:
        label += f" ({recorded_label(c)} d)"
    return [
        _line(LEFT, y, right, y, "baseline-line"),
        _text(right + 4, y + 4, label, "baseline-label", "start"),
    ]


def injection_x(on: date, first: date) -> float:
    """Horizontal position of a date: each period is GROUP_WIDTH wide, from the first period."""
    return round(LEFT + (on - first).days * GROUP_WIDTH / period_days(), 1)


def headache_plot(summary: DiarySummary) -> str:
    """Headache, ≥4 h headache and migraine days per period, injections and the baseline line."""
    periods = summary.periods
    if not periods:
        return ""
    scale = _Scale(TOP, PLOT_HEIGHT, period_days())
    right = LEFT + GROUP_WIDTH * len(periods)
    width, height = right + RIGHT, TOP + PLOT_HEIGHT + BOTTOM
    parts = [_legend(), *_grid(scale, right)]
    classes = [cls for _, cls, _ in SERIES]
    for i, p in enumerate(periods):
        x = LEFT + i * GROUP_WIDTH
        c = p.counts
        state = " baseline" if p.is_baseline else ""
        state += "" if p.complete else " incomplete"
        counts = [getattr(c, name) for name, _, _ in SERIES]
        parts.append(
            f'<g class="period{state}" data-period="{escape(p.label)}">'
            f"<title>{escape(_period_title(p))}</title>"
            + "".join(_bars(x + 5, counts, c.days_missing, scale, classes))
            + _text(x + GROUP_WIDTH / 2, TOP + PLOT_HEIGHT + 15, short_label(p), "period-label")
            + _text(x + GROUP_WIDTH / 2, TOP + PLOT_HEIGHT + 29, recorded_label(c), "recorded")
            + "</g>"
        )
    if summary.baseline is not None:
        parts += _baseline_line(summary.baseline.counts, scale, right)
    first = periods[0].counts.start
    for n, on in enumerate(summary.diary.injections, start=1):
        x = injection_x(on, first)
        parts.append(
            f'<g class="injection-marker" data-date="{on.isoformat()}">'
            f"<title>Injection {n}: {on.isoformat()}</title>"
            + _line(x, TOP - 6, x, TOP + PLOT_HEIGHT, "injection")
            + _arrow(x, TOP - 12, TOP - 4)
            + "</g>"
        )
    parts.append(
        _text(LEFT, TOP + PLOT_HEIGHT + 42, "days recorded / days in period", "recorded", "start")
    )
    return _svg(width, height, "headache-plot", "Headache days per 28-day period", parts)


def _svg(width: float, height: float, cls: str, title: str, parts: Sequence[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )


# ---- acute medication against ICHD-3 8.2 B ------------------------------------------------------

PANEL_WIDTH, PANEL_HEIGHT, PANEL_TOP = 118, 90, 22


def _panel(c: ClassOveruse, periods: Sequence[Period], x0: float) -> str:
    scale = _Scale(PANEL_TOP, PANEL_HEIGHT, period_days())
    step = (PANEL_WIDTH - 20) / max(len(periods), 1)
    parts = [_text(x0 + PANEL_WIDTH / 2, 8, c.name.replace("_", " "), "panel-title")]
    if c.code:
        parts.append(_text(x0 + PANEL_WIDTH / 2, 17, c.code, "tick"))
    parts.append(_line(x0 + 8, scale.y(0), x0 + PANEL_WIDTH - 8, scale.y(0), "grid"))
    for i, (p, days) in enumerate(zip(periods, c.days_per_period, strict=True)):
        bx = x0 + 12 + i * step
        parts.append(
            f"<g><title>{escape(p.label)}: {days} days with {escape(c.name.replace('_', ' '))}; "
            f"{p.counts.days_recorded} of {p.counts.days_in_window} days recorded</title>"
            + "".join(_bars(bx, [days], p.counts.days_missing, scale, ["bar-medication"]))
            + _text(bx + BAR_WIDTH / 2, scale.y(0) + 12, str(days), "tick")
            + "</g>"
        )
    if c.threshold_days is not None:
        y = scale.y(c.threshold_days)
        parts.append(_line(x0 + 8, y, x0 + PANEL_WIDTH - 8, y, "threshold-line"))
        parts.append(
            _text(x0 + PANEL_WIDTH - 8, y - 3, f"≥{c.threshold_days}", "threshold-label", "end")
        )
    else:
        parts.append(_text(x0 + PANEL_WIDTH / 2, PANEL_TOP + 20, "no threshold", "tick"))
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
    return _svg(
        width,
        PANEL_TOP + PANEL_HEIGHT + 18,
        "medication-plot",
        "Acute-medication days per class and period against ICHD-3 8.2 thresholds",
        panels,
    )
