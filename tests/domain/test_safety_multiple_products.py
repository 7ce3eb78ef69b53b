"""Other botulinum products within 3 calendar months either side (reference §1.8, label §7)."""

from __future__ import annotations

from datetime import date

import pytest

from bonta.domain.calendar import add_months

from .builders import (
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
)

CODE = "multiple_products"


def one_day(day: date, delta: int) -> date:
    return date.fromordinal(day.toordinal() + delta)


@pytest.mark.parametrize("other", ["dysport", "xeomin", "jeuveau", "daxxify", "letybo"])
def test_it_warns_about_another_product_inside_three_months_before(other: str) -> None:
    history = [past(one_day(add_months(SESSION_DAY, -3), 1), other, 20, muscles=LATERAL_CANTHAL)]
    found = only(CODE, session(preempt_plan(), history=history))
    assert "within 3 months of this session" in found.message
    assert "never summed" in found.message


def test_another_product_exactly_three_months_before_is_outside() -> None:
    history = [past(add_months(SESSION_DAY, -3), "dysport", 50)]
    assert CODE not in codes(session(history=history))


def test_it_warns_about_another_product_recorded_after_the_session() -> None:
    later = one_day(add_months(SESSION_DAY, 3), -1)
    assert CODE in codes(session(history=[past(later, "xeomin", 20)]))
    assert CODE not in codes(session(history=[past(add_months(SESSION_DAY, 3), "xeomin", 20)]))


def test_botox_and_botox_cosmetic_are_one_product_for_this_rule() -> None:
    history = [
        past(days_before(30), "botox", 155, muscles=PREEMPT_MUSCLES),
        past(days_before(10), "botox_cosmetic", 24, muscles=LATERAL_CANTHAL),
    ]
    assert CODE not in codes(session(plan("glabellar_lines", "botox_cosmetic"), history=history))
    assert CODE not in codes(session(preempt_plan(), history=history))


def test_the_same_product_history_is_not_another_product() -> None:
    history = [past(days_before(30), "xeomin", 20, muscles=LATERAL_CANTHAL)]
    assert CODE not in codes(session(plan("glabellar_lines", "xeomin"), history=history))


def test_several_other_products_are_named_once_each_in_brand_order() -> None:
    history = [
        past(days_before(20), "xeomin", 20),
        past(days_before(40), "dysport", 50),
        past(days_before(50), "xeomin", 20),
    ]
    found = only(CODE, session(preempt_plan(), history=history))
    assert "(Dysport, Xeomin)" in found.message
