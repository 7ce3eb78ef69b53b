"""Safety engine v2: re-treatment across brands (§11.3) and use-within times (§11.4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bonta.domain.pathways import Severity

from .builders import (
    GLABELLAR,
    LATERAL_CANTHAL,
    PREEMPT_MUSCLES,
    SESSION_AT,
    codes,
    only,
    past,
    plan,
    preempt_plan,
    session,
    vial,
)

CODE = "retreatment_too_soon"


def test_xeomin_then_botox_cosmetic_takes_xeomins_three_months() -> None:
    # 16 Mar → 15 Jun is 91 days: past BOTOX Cosmetic's 90 days, inside Xeomin's 3 months
    history = [past(date(2026, 3, 16), "xeomin", 20, muscles=GLABELLAR)]
    found = only(CODE, session(plan("glabellar_lines", "botox_cosmetic"), history=history))
    assert "BOTOX Cosmetic may be given again from 2026-06-16" in found.message
    assert "BOTOX Cosmetic 90 days; Xeomin 3 months" in found.message
    assert "the longest applies (Xeomin, 3 months)" in found.message
    assert "§11.3" in found.source
    # on 16 June, Xeomin's 3 months have run
    assert CODE not in codes(
        session(plan("glabellar_lines", "botox_cosmetic"), history=history, on=date(2026, 6, 16))
    )


def test_botox_cosmetic_then_xeomin_also_takes_xeomins_own_three_months() -> None:
    history = [past(date(2026, 3, 16), "botox_cosmetic", 20, muscles=GLABELLAR)]
    assert CODE in codes(session(plan("glabellar_lines", "xeomin"), history=history))


def test_preempt_85_days_after_botox_cosmetic_in_the_glabella_waits_for_its_90_days() -> None:
    # §11.3 changes this: BOTOX's 12 weeks (84 days) have run, BOTOX Cosmetic's 90 days have not
    history = [past(date(2026, 3, 22), "botox_cosmetic", 20, muscles=GLABELLAR)]
    found = only(CODE, session(preempt_plan(), history=history))
    assert "BOTOX may be given again from 2026-06-20" in found.message
    assert "BOTOX 12 weeks; BOTOX Cosmetic 90 days" in found.message
    assert CODE not in codes(session(preempt_plan(), history=history, on=date(2026, 6, 20)))


def test_a_brand_change_in_other_muscles_does_not_clash() -> None:
    history = [past(date(2026, 5, 1), "xeomin", 24, muscles=LATERAL_CANTHAL)]
    assert CODE not in codes(session(plan("glabellar_lines", "botox_cosmetic"), history=history))


def test_letybo_now_has_a_verified_three_month_interval() -> None:
    history = [past(date(2026, 3, 16), "letybo", 20, muscles=GLABELLAR)]
    found = only(CODE, session(plan("glabellar_lines", "letybo"), history=history))
    assert found.message.endswith("Letybo may be given again from 2026-06-16 (3 months after).")
    assert "retreatment_interval_unknown" not in codes(session(plan("glabellar_lines", "letybo")))


def test_dysport_inside_its_weak_90_days_warns_and_does_not_block() -> None:
    glabellar = plan("glabellar_lines", "dysport")
    history = [past(date(2026, 3, 18), "dysport", 50, muscles=GLABELLAR)]  # 89 days
    found = only("recent_treatment_same_area", session(glabellar, history=history))
    assert found.severity is Severity.WARN
    assert "only weak sources give ([W])" in found.message
    assert CODE not in codes(session(glabellar, history=history))
    on_day_90 = [past(date(2026, 3, 17), "dysport", 50, muscles=GLABELLAR)]
    assert "recent_treatment_same_area" not in codes(session(glabellar, history=on_day_90))


def test_a_verified_interval_of_the_earlier_product_blocks_dysport() -> None:
    history = [past(date(2026, 3, 18), "jeuveau", 20, muscles=GLABELLAR)]
    found = only(CODE, session(plan("glabellar_lines", "dysport"), history=history))
    assert "Dysport 90 days ([W] only); Jeuveau 3 months" in found.message


def test_a_weak_interval_never_makes_a_verified_one_shorter() -> None:
    # Jeuveau after Dysport: Jeuveau's own 3 months block; Dysport's [W] 90 days adds nothing
    history = [past(date(2026, 3, 16), "dysport", 50, muscles=GLABELLAR)]  # 91 days
    found = only(CODE, session(plan("glabellar_lines", "jeuveau"), history=history))
    assert "the longest applies (Jeuveau, 3 months)" in found.message


def test_the_message_names_the_record_whose_interval_ends_latest() -> None:
    history = [
        past(date(2026, 3, 16), "xeomin", 20, muscles=GLABELLAR),  # 3 months: to 16 Jun
        past(date(2026, 3, 17), "botox_cosmetic", 20, muscles=GLABELLAR),  # 90 days: to 15 Jun
    ]
    found = only(CODE, session(plan("glabellar_lines", "botox_cosmetic"), history=history))
    assert found.message.startswith("Corrugator supercilii, procerus treated on 2026-03-16")


def test_preempt_after_a_migraine_cycle_is_unchanged() -> None:
    history = [past(date(2026, 3, 23), "botox", 155, muscles=PREEMPT_MUSCLES)]  # 84 days
    assert CODE not in codes(session(preempt_plan(), history=history))
    found = only(CODE, session(preempt_plan(), history=history, on=date(2026, 6, 14)))
    assert found.message.endswith("BOTOX may be given again from 2026-06-15 (12 weeks after).")


# ---- use within … of reconstitution (§11.4) --------------------------------------------------


@pytest.mark.parametrize(("product", "hours"), [("xeomin", 24), ("letybo", 24), ("daxxify", 72)])
def test_verified_use_within_times_block_one_second_past_them(product: str, hours: int) -> None:
    def at(age: timedelta) -> list[str]:
        v = vial(product, reconstituted_at=SESSION_AT - age)
        return codes(session(plan("glabellar_lines", product, vials={"vial": v})))

    assert "reconstitution_window_exceeded" not in at(timedelta(hours=hours))
    assert "reconstitution_window_exceeded" in at(timedelta(hours=hours, seconds=1))


def test_dysport_takes_the_conservative_4_hours_and_only_warns() -> None:
    def at(age: timedelta) -> list[str]:
        v = vial("dysport", reconstituted_at=SESSION_AT - age)
        return codes(session(plan("glabellar_lines", "dysport", vials={"vial": v})))

    assert "reconstitution_window_unknown" in at(timedelta(hours=4))
    past_4h = at(timedelta(hours=4, seconds=1))
    assert "reconstitution_window_unverified" in past_4h
    assert "reconstitution_window_exceeded" not in past_4h
    assert "reconstitution_window_unverified" in at(timedelta(hours=30))


def test_dysports_warning_names_both_conflicting_values() -> None:
    v = vial("dysport", reconstituted_at=SESSION_AT - timedelta(hours=5))
    found = only(
        "reconstitution_window_unverified",
        session(plan("glabellar_lines", "dysport", vials={"vial": v})),
    )
    assert "reconstituted 5.0 h before the session, past 4 h" in found.message
    assert "4 h" in found.source
    assert "24 h" in found.source
