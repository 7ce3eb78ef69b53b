"""The population report's wearing-off figure equals what the chart's cycle windows give.

Weeks 1–4 / 5–8 / 9–12 of every cycle (`bonta.domain.headache.periods.cycles`): the report's
mean and median headache days per 28 days over complete windows, as exact bounds, must equal
the same statistics computed from each patient's `summarize` — on the same generated clinic
as `test_population` (boundaries, early re-injections, missing days, random schedules).
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonta.migraine import services
from bonta.migraine.population import (
    mean_rate,
    median_rate,
    population_report,
    wearing_off_figure,
)
from bonta.migraine.store import refresh_store
from bonta.records.models import Patient

from .test_population import (
    AS_OF,
    Clinic,
    period_days,
    population,  # noqa: F401 - the shared fixture
    span,
)

pytestmark = pytest.mark.django_db

WEEKS = ("1-4", "5-8", "9-12")


def expected_windows(patients: list[Patient]) -> dict[str, list[tuple[int, int, int]]]:
    """(headache days, missing days, days in window) of every complete window, per position."""
    found: dict[str, list[tuple[int, int, int]]] = {w: [] for w in WEEKS}
    for patient in patients:
        summary = services.summarize_snapshot(services.load_diary_snapshot(patient), AS_OF)
        for cycle in summary.cycles:
            for window in cycle.windows:
                if window.complete:
                    c = window.counts
                    found[window.weeks].append((c.headache_days, c.days_missing, c.days_in_window))
    return found


def per_28(count: int, length: int) -> Fraction:
    return Fraction(count * 28, length)


def test_the_wearing_off_figure_equals_the_chart_windows(population, tmp_path):  # noqa: F811
    report = population_report(refresh_store(tmp_path), AS_OF)
    expected = expected_windows(population)
    assert [w.weeks for w in report.wearing_off] == list(WEEKS)
    for figure in report.wearing_off:
        rows = expected[figure.weeks]
        assert figure.windows == len(rows) > 0
        assert figure.fully_recorded == sum(1 for _, missing, _ in rows if missing == 0)
        low = [per_28(h, n) for h, _, n in rows]
        high = [per_28(h + m, n) for h, m, n in rows]
        assert figure.mean is not None
        assert figure.median is not None
        assert (figure.mean.low, figure.mean.high) == (
            sum(low, Fraction(0)) / len(low),
            sum(high, Fraction(0)) / len(high),
        )
        assert (figure.median.low, figure.median.high) == (
            statistics.median(low),
            statistics.median(high),
        )


def test_each_cycle_window_is_counted_as_the_chart_counts_it(population, tmp_path):  # noqa: F811
    report = population_report(refresh_store(tmp_path), AS_OF)
    c = report.cycles
    epoch = date(1970, 1, 1)
    for patient in population:
        summary = services.summarize_snapshot(services.load_diary_snapshot(patient), AS_OF)
        p = report.patient_ids.index(str(patient.pk))
        rows = [i for i in range(c["pkey"].size) if c["pkey"][i] == p]
        assert len(rows) == len(summary.cycles)
        for i, cycle in zip(rows, summary.cycles, strict=True):
            assert epoch + timedelta(days=int(c["injection_day"][i])) == cycle.injection
            got = [
                (
                    int(c["window_days_in_window"][i, w]),
                    int(c["window_days_recorded"][i, w]),
                    int(c["window_headache_days"][i, w]),
                    bool(c["window_complete"][i, w]),
                )
                for w in range(3)
                if c["window_begun"][i, w]
            ]
            assert got == [
                (
                    w.counts.days_in_window,
                    w.counts.days_recorded,
                    w.counts.headache_days,
                    w.complete,
                )
                for w in cycle.windows
            ], patient.record_number


def test_wearing_off_shows_when_weeks_9_to_12_are_worse(dr_grey, tmp_path):
    """Two patients whose headaches return in weeks 9–12: the figure rises in that window."""
    clinic = Clinic(dr_grey)
    first = date(2025, 3, 3)
    for _ in range(2):
        days = period_days(first - timedelta(days=28), 20, 10)
        # weeks 1–4: 4 headache days, 5–8: 6, 9–12: 14 (every other day)
        days += span(first, 28, lambda n: n < 4)
        days += span(first + timedelta(days=28), 28, lambda n: n < 6)
        days += span(first + timedelta(days=56), 28, lambda n: n % 2 == 0)
        clinic.patient(days, [first])
    report = population_report(refresh_store(tmp_path), AS_OF)
    figure = {w.weeks: w for w in report.wearing_off}
    assert [figure[w].windows for w in WEEKS] == [2, 2, 2]
    assert [figure[w].mean.low for w in WEEKS] == [4, 6, 14]  # type: ignore[union-attr]
    assert [figure[w].median.high for w in WEEKS] == [4, 6, 14]  # type: ignore[union-attr]
    shown = report.as_dict()["wearing_off"][2]
    assert shown["headache_days_per_28_days"]["mean"] == {"low": 14, "high": 14}


def test_missing_days_widen_the_figure_and_it_prints_outward(dr_grey, tmp_path):
    clinic = Clinic(dr_grey)
    first = date(2025, 3, 3)
    days = period_days(first - timedelta(days=28), 20, 10)
    days += span(first, 25, lambda n: n < 5)  # weeks 1–4: 5 headache days, 3 days missing
    clinic.patient(days, [first])
    report = population_report(refresh_store(tmp_path), AS_OF)
    weeks_1_4 = report.wearing_off[0]
    assert (weeks_1_4.windows, weeks_1_4.fully_recorded) == (1, 0)
    assert weeks_1_4.mean is not None
    assert (weeks_1_4.mean.low, weeks_1_4.mean.high) == (5, 8)


def test_a_clinic_without_a_complete_window_has_no_figure(db, tmp_path):
    report = population_report(refresh_store(tmp_path), AS_OF)
    assert [w.as_dict() for w in report.wearing_off] == [
        {
            "weeks": weeks,
            "windows": 0,
            "fully_recorded": 0,
            "headache_days_per_28_days": {"mean": None, "median": None},
        }
        for weeks in WEEKS
    ]


windows = st.lists(
    st.tuples(st.integers(1, 28), st.integers(0, 28), st.integers(0, 28)), min_size=1
).map(lambda rows: [(n, min(h, n), min(m, n - min(h, n))) for n, h, m in rows])


@settings(max_examples=200, deadline=None)
@given(windows)
def test_the_exact_statistics_equal_pythons_over_fractions(rows):
    import numpy as np

    length = np.array([n for n, _, _ in rows], dtype=np.int64)
    headache = np.array([h for _, h, _ in rows], dtype=np.int64)
    missing = np.array([m for _, _, m in rows], dtype=np.int64)
    low = [per_28(h, n) for n, h, _ in rows]
    assert mean_rate(headache, length) == sum(low, Fraction(0)) / len(low)
    assert median_rate(headache, length) == statistics.median(low)
    figure = wearing_off_figure("1-4", headache, missing, length)
    assert figure.mean is not None
    assert figure.median is not None
    assert figure.mean.low <= figure.mean.high
    assert figure.median.low <= figure.median.high
    shown = figure.as_dict()["headache_days_per_28_days"]["mean"]
    if figure.mean.low == figure.mean.high:  # exact: one number, printed once
        assert shown["low"] == shown["high"]
        assert abs(
            shown["low"] - Decimal(figure.mean.low.numerator) / figure.mean.low.denominator
        ) <= Decimal("0.05")
    else:  # a range: printed outward, so it holds the exact one
        assert shown["low"] <= figure.mean.low <= figure.mean.high <= shown["high"]
