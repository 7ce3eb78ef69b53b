"""Re-treatment intervals: per product, per muscle, across both pathways.

Reference §1.2 (BOTOX 12 weeks), §2.4 (BOTOX Cosmetic 90 days), §3 (others).
"""

from __future__ import annotations

from datetime import date

import pytest

from bonta.domain.calendar import add_months
from bonta.domain.pathways import Pathway
from bonta.domain.products import get_product

from .builders import (
    FOREHEAD,
    GLABELLAR,
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

CODE = "retreatment_too_soon"


@pytest.mark.parametrize(
    ("product", "amount", "unit"),
    [
        ("botox", 12, "weeks"),
        ("botox_cosmetic", 90, "days"),
        ("xeomin", 3, "months"),
        ("jeuveau", 3, "months"),
        ("daxxify", 3, "months"),
    ],
)
def test_the_retreatment_interval_matches_the_reference(
    product: str, amount: int, unit: str
) -> None:
    interval = get_product(product).retreatment_interval
    assert interval is not None
    assert (interval.amount, interval.unit) == (amount, unit)


def test_it_blocks_botox_cosmetic_glabellar_lines_on_day_89() -> None:
    history = [past(days_before(89), "botox_cosmetic", 20, muscles=GLABELLAR)]
    found = only(CODE, session(plan(), history=history))
    assert found.message.startswith("Corrugator supercilii, procerus treated on 2026-03-18")
    assert "may be given again from 2026-06-16 (90 days after)" in found.message


def test_it_allows_botox_cosmetic_glabellar_lines_on_day_90() -> None:
    history = [past(days_before(90), "botox_cosmetic", 20, muscles=GLABELLAR)]
    assert CODE not in codes(session(plan(), history=history))


def test_ninety_days_after_1_january_is_1_april() -> None:
    history = [past(date(2026, 1, 1), "botox_cosmetic", 20)]
    assert CODE in codes(session(plan(), history=history, on=date(2026, 3, 31)))
    assert CODE not in codes(session(plan(), history=history, on=date(2026, 4, 1)))


def test_it_blocks_a_preempt_cycle_after_83_days_and_allows_it_after_84() -> None:
    def after(days: int) -> list[str]:
        history = [past(days_before(days), "botox", 155, muscles=PREEMPT_MUSCLES)]
        return codes(session(preempt_plan(), history=history))

    assert CODE in after(83)
    assert CODE not in after(84)


@pytest.mark.parametrize("product", ["xeomin", "jeuveau", "daxxify"])
def test_three_calendar_months_products_pass_on_the_same_day_three_months_later(
    product: str,
) -> None:
    previous = add_months(SESSION_DAY, -3)
    day_after = date.fromordinal(previous.toordinal() + 1)
    assert CODE not in codes(
        session(plan("glabellar_lines", product), history=[past(previous, product, 20)])
    )
    assert CODE in codes(
        session(plan("glabellar_lines", product), history=[past(day_after, product, 20)])
    )


@pytest.mark.parametrize("product", ["xeomin", "jeuveau", "daxxify"])
def test_three_calendar_months_after_30_november_is_the_last_day_of_february(
    product: str,
) -> None:
    history = [past(date(2025, 11, 30), product, 20)]
    glabellar = plan("glabellar_lines", product)
    assert CODE in codes(session(glabellar, history=history, on=date(2026, 2, 27)))
    assert CODE not in codes(session(glabellar, history=history, on=date(2026, 2, 28)))


# §11.3 changed these: Letybo now has a verified 3-month interval; Dysport has only [W] 90 days,
# and an earlier product's own interval applies too, so Dysport 14 days after BOTOX Cosmetic in
# the same muscles is now blocked by BOTOX Cosmetic's 90 days (brand change resets nothing).
@pytest.mark.parametrize("product", ["dysport"])
def test_products_without_a_verified_interval_get_an_info_and_no_block(product: str) -> None:
    history = [past(days_before(14), product, 50, muscles=GLABELLAR)]
    found = codes(session(plan("glabellar_lines", product), history=history))
    assert "retreatment_interval_unknown" in found
    assert "recent_treatment_same_area" in found  # inside the [W] 90 days: warns
    assert CODE not in found


def test_dysport_after_botox_cosmetic_in_the_same_muscles_is_blocked_by_its_interval() -> None:
    history = [past(days_before(14), "botox_cosmetic", 20, muscles=GLABELLAR)]
    found = codes(session(plan("glabellar_lines", "dysport"), history=history))
    assert CODE in found
    assert "multiple_products" in found  # the earlier onabotulinumtoxinA is still flagged


@pytest.mark.parametrize("product", ["dysport"])
def test_the_unknown_interval_info_names_what_the_reference_omits(product: str) -> None:
    found = only("retreatment_interval_unknown", session(plan("glabellar_lines", product)))
    assert "omitted: " in found.source
    assert "[W]" in found.source
    assert "weak sources only give 90 days" in found.message


def test_different_cosmetic_areas_two_weeks_apart_do_not_clash() -> None:
    history = [past(days_before(14), "botox_cosmetic", 20, muscles=GLABELLAR)]
    assert CODE not in codes(session(plan("lateral_canthal_lines"), history=history))


def test_it_blocks_glabellar_lines_six_weeks_after_preempt() -> None:
    history = [past(days_before(42), "botox", 155, muscles=PREEMPT_MUSCLES)]
    found = only(CODE, session(plan("glabellar_lines"), history=history))
    assert found.message.startswith("Corrugator supercilii, procerus treated on")
    assert "(chronic migraine, BOTOX)" in found.message


def test_it_blocks_preempt_six_weeks_after_cosmetic_forehead_lines() -> None:
    history = [past(days_before(42), "botox_cosmetic", 40, muscles=FOREHEAD | GLABELLAR)]
    assert CODE in codes(session(preempt_plan(), history=history))


def test_lateral_canthal_lines_six_weeks_after_preempt_do_not_clash() -> None:
    history = [past(days_before(42), "botox", 155, muscles=PREEMPT_MUSCLES)]
    assert CODE not in codes(session(plan("lateral_canthal_lines"), history=history))


def test_a_record_without_muscles_clashes_on_its_own_pathway() -> None:
    history = [past(days_before(30), "botox_cosmetic", 24, muscles=None, source="external")]
    found = only(CODE, session(plan("lateral_canthal_lines"), history=history))
    assert found.message.startswith("Orbicularis oculi (lateral) treated on")


def test_a_record_without_muscles_does_not_clash_on_the_other_pathway() -> None:
    cosmetic = [past(days_before(30), "botox_cosmetic", 20, muscles=None)]
    assert CODE not in codes(session(preempt_plan(), history=cosmetic))
    migraine = [past(days_before(30), "botox", 155, muscles=None, pathway=Pathway.CHRONIC_MIGRAINE)]
    assert CODE not in codes(session(plan("glabellar_lines"), history=migraine))


def test_a_record_dated_after_the_session_inside_the_interval_clashes() -> None:
    later = date(2026, 7, 15)
    assert CODE in codes(session(plan(), history=[past(later, "botox_cosmetic", 20)]))
    assert CODE not in codes(
        session(plan(), history=[past(date(2026, 9, 13), "botox_cosmetic", 20)])
    )


def test_the_plans_own_product_interval_applies_to_history_of_another_product() -> None:
    # Xeomin's 3 months, not BOTOX Cosmetic's 90 days: 16 Mar to 15 Jun is 91 days, under 3 months
    history = [past(date(2026, 3, 16), "botox_cosmetic", 20, muscles=GLABELLAR)]
    assert CODE in codes(session(plan("glabellar_lines", "xeomin"), history=history))
    assert CODE not in codes(session(plan("glabellar_lines", "botox_cosmetic"), history=history))


def test_the_message_names_the_most_recent_clash() -> None:
    history = [
        past(days_before(80), "botox_cosmetic", 20, muscles=GLABELLAR),
        past(days_before(10), "botox_cosmetic", 20, muscles=frozenset({"procerus"})),
    ]
    found = only(CODE, session(plan(), history=history))
    assert found.message.startswith("Procerus treated on 2026-06-05")


def test_two_clashing_records_on_one_day_give_the_same_message_in_either_order() -> None:
    same_day = days_before(20)
    history = [
        past(same_day, "botox_cosmetic", 20, muscles=frozenset({"procerus"})),
        past(same_day, "xeomin", 20, muscles=GLABELLAR, source="external"),
    ]
    forwards = only(CODE, session(plan(), history=history))
    backwards = only(CODE, session(plan(), history=history[::-1]))
    assert forwards == backwards
    assert forwards.message.startswith("Corrugator supercilii, procerus treated on 2026-05-26")
    assert "BOTOX Cosmetic, Xeomin" in forwards.message
