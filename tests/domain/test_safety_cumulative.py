"""Cumulative onabotulinumtoxinA: 400 U in a 3-month interval, all indications (reference §1.5).

The window is the half-open run (t − 3 calendar months, t]; every such window containing the
session date is checked, so late-entered records dated after the session count too.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bonta.domain.calendar import add_months
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment
from bonta.domain.products import get_product

from .builders import (
    GLABELLAR,
    LATERAL_CANTHAL,
    PREEMPT_MUSCLES,
    SESSION_DAY,
    codes,
    days_before,
    only,
    past,
    plan,
    preempt_plan,
    session,
    single_site_plan,
)

CODE = "cumulative_dose_exceeded"


def test_the_limit_is_400_units_in_3_calendar_months_for_both_onabotulinumtoxina_labels() -> None:
    for code in ("botox", "botox_cosmetic"):
        limit = get_product(code).cumulative_limit
        assert limit is not None
        assert (limit.units, limit.window.amount, limit.window.unit) == (Decimal(400), 3, "months")
        assert "§1.5" in limit.source or "§2.2" in limit.source


@pytest.mark.parametrize("code", ["dysport", "xeomin", "jeuveau", "daxxify", "letybo"])
def test_other_products_have_no_cumulative_limit_in_the_reference(code: str) -> None:
    assert get_product(code).cumulative_limit is None


def both_pathways_and_an_external_record(last_units: str) -> list[PastTreatment]:
    return [
        past(days_before(70), "botox", 155, muscles=PREEMPT_MUSCLES),
        past(days_before(40), "botox_cosmetic", 44, muscles=GLABELLAR | LATERAL_CANTHAL),
        past(days_before(20), "botox", last_units, muscles=None, source="external"),
    ]


def test_it_passes_at_exactly_400_units_summed_over_both_pathways_and_external_records() -> None:
    # 155 (migraine) + 44 (cosmetic) + 181 (other clinic) + 20 planned = 400
    history = both_pathways_and_an_external_record("181")
    assert CODE not in codes(session(plan(), history=history))


def test_it_blocks_at_400_5_units_summed_over_both_pathways_and_external_records() -> None:
    history = both_pathways_and_an_external_record("181.5")
    found = only(CODE, session(plan(), history=history))
    assert "380.5 U already given" in found.message
    assert "3 records, 1 of them from other clinics" in found.message
    assert "400.5 U" in found.message
    assert "400 U in 3 months" in found.message


def test_it_counts_a_botox_cosmetic_plan_against_therapeutic_botox_history() -> None:
    history = [past(days_before(30), "botox", 381, muscles=PREEMPT_MUSCLES)]
    assert CODE in codes(session(plan("glabellar_lines", "botox_cosmetic"), history=history))


def test_it_counts_therapeutic_botox_plan_against_botox_cosmetic_history() -> None:
    history = [past(days_before(30), "botox_cosmetic", 246, muscles=LATERAL_CANTHAL)]
    assert CODE in codes(session(preempt_plan(), history=history))


def test_a_record_exactly_three_months_before_is_outside_the_window() -> None:
    history = [past(add_months(SESSION_DAY, -3), "botox", 246, muscles=PREEMPT_MUSCLES)]
    assert CODE not in codes(session(preempt_plan(), history=history))


def test_a_record_one_day_inside_three_months_counts() -> None:
    day = add_months(SESSION_DAY, -3)
    history = [past(date.fromordinal(day.toordinal() + 1), "botox", 246, muscles=None)]
    assert CODE in codes(session(preempt_plan(), history=history))


def test_a_record_on_the_session_date_counts() -> None:
    history = [past(SESSION_DAY, "botox", 246, muscles=None, source="external")]
    assert CODE in codes(session(preempt_plan(), history=history))


@pytest.mark.parametrize(
    ("session_day", "outside", "inside"),
    [
        (date(2025, 5, 31), date(2025, 2, 28), date(2025, 3, 1)),  # common year
        (date(2024, 5, 31), date(2024, 2, 29), date(2024, 3, 1)),  # leap year
        (date(2025, 5, 30), date(2025, 2, 28), date(2025, 3, 1)),
        (date(2026, 3, 31), date(2025, 12, 31), date(2026, 1, 1)),  # across the year end
    ],
)
def test_month_end_sessions_count_back_to_the_last_day_of_the_shorter_month(
    session_day: date, outside: date, inside: date
) -> None:
    def with_record_on(day: date) -> list[str]:
        history = [past(day, "botox", 246, muscles=None)]
        return codes(session(preempt_plan(), history=history, on=session_day))

    assert CODE not in with_record_on(outside)
    assert CODE in with_record_on(inside)


def test_a_record_dated_after_the_session_inside_the_window_counts() -> None:
    later = date(2026, 8, 1)
    assert CODE in codes(session(preempt_plan(), history=[past(later, "botox", 246, muscles=None)]))
    assert CODE not in codes(
        session(preempt_plan(), history=[past(later, "botox", 245, muscles=None)])
    )


def test_a_record_three_months_after_the_session_is_outside_every_window_with_the_session() -> None:
    later = add_months(SESSION_DAY, 3)
    assert CODE not in codes(
        session(preempt_plan(), history=[past(later, "botox", 300, muscles=None)])
    )


def test_records_before_and_after_the_session_add_up_when_one_window_holds_both() -> None:
    # (1 Apr, 1 Jul] holds 20 Apr, 15 Jun (the session) and 1 Jul: 100 + 155 + 150 = 405
    history = [
        past(date(2026, 4, 20), "botox_cosmetic", 100, muscles=LATERAL_CANTHAL),
        past(date(2026, 7, 1), "botox", 150, muscles=None),
    ]
    found = only(CODE, session(preempt_plan(), history=history))
    assert "to 2026-07-01" in found.message
    assert "250 U already given" in found.message


def test_records_before_and_after_the_session_that_no_window_holds_together_do_not_add_up() -> None:
    # 1 Apr and 10 Jul are more than 3 months apart: the worst window holds 150 + 155 = 305
    history = [
        past(date(2026, 4, 1), "botox_cosmetic", 150, muscles=LATERAL_CANTHAL),
        past(date(2026, 7, 10), "botox", 150, muscles=None),
    ]
    assert CODE not in codes(session(preempt_plan(), history=history))


def test_a_dysport_history_never_adds_to_onabotulinumtoxina_but_raises_multiple_products() -> None:
    history = [
        past(days_before(60), "botox", 245, muscles=None, source="external"),
        past(days_before(30), "dysport", 300, muscles=frozenset({"masseter"})),
    ]
    found = codes(session(preempt_plan(), history=history))
    assert CODE not in found
    assert "multiple_products" in found


@pytest.mark.parametrize("other", ["dysport", "xeomin", "jeuveau", "daxxify", "letybo"])
def test_no_other_product_history_pushes_botox_over(other: str) -> None:
    history = [
        past(days_before(60), "botox", 245, muscles=None),
        past(days_before(30), other, 400, muscles=frozenset({"masseter"})),
    ]
    assert CODE not in codes(session(preempt_plan(), history=history))


def test_a_large_botox_history_does_not_limit_a_xeomin_plan() -> None:
    history = [past(days_before(30), "botox", 400, muscles=frozenset({"trapezius"}))]
    assert CODE not in codes(session(plan("glabellar_lines", "xeomin"), history=history))


def test_a_plan_alone_above_400_units_blocks() -> None:
    heavy = single_site_plan("botox", "trapezius", "400.5", pathway=Pathway.CHRONIC_MIGRAINE)
    assert CODE in codes(session(heavy))
