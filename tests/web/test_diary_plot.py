"""The diary plots are pure SVG built from a domain summary: no database, no Django."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from xml.etree import ElementTree

from bonta.domain.headache.days import DiaryDay, MedicationClass
from bonta.domain.headache.summary import summarize
from bonta.migraine.diary_plot import headache_plot, injection_x, medication_plot

FIRST_INJECTION = date(2025, 1, 29)
SECOND_INJECTION = FIRST_INJECTION + timedelta(weeks=12)
AS_OF = date(2025, 6, 30)
SVG = "{http://www.w3.org/2000/svg}"


def migraine_day(on: date) -> DiaryDay:
    return DiaryDay(
        on,
        headache=True,
        hours=Decimal(6),
        intensity=3,
        unilateral=True,
        pulsating=True,
        nausea=True,
        photophobia=True,
        phonophobia=True,
        acute_medication=frozenset({MedicationClass.TRIPTAN}),
    )


def diary(*, skip: set[date] = frozenset()) -> list[DiaryDay]:  # type: ignore[assignment]
    """Every other day a migraine from 28 days before the first injection to AS_OF."""
    on, days = FIRST_INJECTION - timedelta(days=28), []
    while on <= AS_OF:
        if on not in skip:
            days.append(migraine_day(on) if on.toordinal() % 2 else DiaryDay(on, headache=False))
        on += timedelta(days=1)
    return days


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is XML


def groups(root: ElementTree.Element, cls: str) -> list[ElementTree.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def test_it_draws_one_bar_group_per_period_baseline_first() -> None:
    summary = summarize(diary(), [FIRST_INJECTION, SECOND_INJECTION], AS_OF)
    root = parse(headache_plot(summary))
    periods = groups(root, "period")
    assert [g.get("data-period") for g in periods] == [p.label for p in summary.periods]
    assert periods[0].get("data-period") == "baseline"
    assert "baseline" in periods[0].get("class", "").split()
    # three solid bars per complete period (no missing days); the current one adds its unlived
    # days as missing segments
    assert [len(g.findall(f"{SVG}rect")) for g in periods] == [3] * (len(periods) - 1) + [6]
    assert "incomplete" in periods[-1].get("class", "").split()


def test_it_marks_each_injection_at_its_date() -> None:
    summary = summarize(diary(), [FIRST_INJECTION, SECOND_INJECTION], AS_OF)
    root = parse(headache_plot(summary))
    markers = groups(root, "injection-marker")
    assert [m.get("data-date") for m in markers] == ["2025-01-29", "2025-04-23"]
    first_start = summary.periods[0].counts.start
    line = markers[1].find(f"{SVG}line")
    assert line is not None
    assert float(line.get("x1", "")) == injection_x(SECOND_INJECTION, first_start)


def test_it_draws_the_baseline_line_at_the_baseline_headache_days() -> None:
    summary = summarize(diary(), [FIRST_INJECTION], AS_OF)
    svg = headache_plot(summary)
    assert summary.baseline is not None
    assert f">BL {summary.baseline.counts.headache_days}</text>" in svg
    assert len(re.findall(r'<line [^>]*class="baseline-line"', svg)) == 2  # legend + line


def test_missing_days_are_drawn_apart_and_labelled_never_as_headache_free() -> None:
    lost_week = {FIRST_INJECTION + timedelta(days=n) for n in range(7)}
    summary = summarize(diary(skip=lost_week), [FIRST_INJECTION], AS_OF)
    root = parse(headache_plot(summary))
    first_on_treatment = groups(root, "period")[1]
    missing = [r for r in first_on_treatment.iter(f"{SVG}rect") if "missing" in r.get("class", "")]
    assert len(missing) == 3  # one per series
    labels = [t.text for t in first_on_treatment.iter(f"{SVG}text")]
    assert labels == ["P1", "21/28"]


def test_an_unrecorded_baseline_draws_no_baseline_line() -> None:
    baseline = {FIRST_INJECTION - timedelta(days=n) for n in range(1, 29)}
    summary = summarize(diary(skip=baseline), [FIRST_INJECTION], AS_OF)
    svg = headache_plot(summary)
    assert ">BL not recorded</text>" in svg
    assert len(re.findall(r'<line [^>]*class="baseline-line"', svg)) == 1  # the legend only


def test_a_patient_without_injections_has_no_marker_and_no_baseline_line() -> None:
    summary = summarize(diary(), [], AS_OF)
    svg = headache_plot(summary)
    assert "injection-marker" not in svg
    assert "baseline-label" not in svg


def test_text_is_escaped() -> None:
    summary = summarize([], [], AS_OF)
    svg = headache_plot(summary)
    parse(svg)
    assert "<script" not in svg
    assert "style=" not in svg


def test_the_medication_plot_draws_each_class_threshold_from_the_domain() -> None:
    summary = summarize(diary(), [FIRST_INJECTION], AS_OF)
    mo = summary.medication_overuse
    root = parse(medication_plot(mo))
    panels = groups(root, "med-panel")
    assert [p.get("data-class") for p in panels] == [c.name for c in mo.classes]
    triptan = next(c for c in mo.classes if c.name == "triptan")
    panel = next(p for p in panels if p.get("data-class") == "triptan")
    labels = [t.text for t in panel.iter(f"{SVG}text")]
    assert f"≥{triptan.threshold_days}" in labels
    assert f"status-{triptan.judgement.value}" in panel.get("class", "")  # type: ignore[union-attr]
    without = next(c for c in mo.classes if c.threshold_days is None)
    panel = next(p for p in panels if p.get("data-class") == without.name)
    assert "no threshold" in [t.text for t in panel.iter(f"{SVG}text")]
