"""Vial rules: lot, expiry, reconstitution window, units remaining."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Side
from bonta.domain.safety import check

from .builders import (
    SESSION_AT,
    SESSION_DAY,
    codes,
    injection,
    only,
    plan,
    preempt_plan,
    session,
    vial,
)


def glabellar_with(**vial_changes: object) -> list[str]:
    return codes(session(plan(vials={"vial": vial("botox_cosmetic", **vial_changes)})))  # type: ignore[arg-type]


# ---- vial_expired -----------------------------------------------------------------------------


def test_a_vial_may_be_used_on_its_expiry_date() -> None:
    assert "vial_expired" not in glabellar_with(expiry=SESSION_DAY)


def test_it_blocks_a_vial_the_day_after_its_expiry_date() -> None:
    found = only(
        "vial_expired",
        session(
            plan(
                vials={
                    "vial": vial(
                        "botox_cosmetic", lot="C77", expiry=SESSION_DAY - timedelta(days=1)
                    )
                }
            )
        ),
    )
    assert found.message == "Vial C77 expired on 2026-06-14."


# ---- reconstitution ---------------------------------------------------------------------------


def test_exactly_24_hours_after_reconstitution_passes() -> None:
    assert "reconstitution_window_exceeded" not in glabellar_with(
        reconstituted_at=SESSION_AT - timedelta(hours=24)
    )


def test_24_hours_and_one_second_after_reconstitution_blocks() -> None:
    found = glabellar_with(reconstituted_at=SESSION_AT - timedelta(hours=24, seconds=1))
    assert "reconstitution_window_exceeded" in found


@pytest.mark.parametrize("product", ["botox", "botox_cosmetic", "jeuveau", "letybo"])
def test_the_24_hour_window_comes_from_each_products_label(product: str) -> None:
    template = "preempt_fixed_site" if product == "botox" else "glabellar_lines"
    stale = vial(product, reconstituted_at=SESSION_AT - timedelta(hours=25))
    found = only(
        "reconstitution_window_exceeded", session(plan(template, product, vials={"vial": stale}))
    )
    assert found.message.endswith("must be used within 24 h.")
    assert "reconstituted 25.0 h before the session" in found.message


def test_a_reconstitution_recorded_after_the_session_time_is_not_a_reconstitution() -> None:
    found = glabellar_with(reconstituted_at=SESSION_AT + timedelta(minutes=1))
    assert "vial_not_reconstituted" in found
    assert "reconstitution_window_exceeded" not in found


def test_a_vial_reconstituted_at_the_session_time_is_ready() -> None:
    found = glabellar_with(reconstituted_at=SESSION_AT)
    assert "vial_not_reconstituted" not in found


def test_a_vial_without_reconstitution_blocks() -> None:
    assert "vial_not_reconstituted" in glabellar_with(reconstituted_at=None)


# §11.4 gave Xeomin (24 h) and Daxxify (72 h) verified windows; Dysport's sources conflict
# (4 h vs 24 h, both [W]): Bonta warns past the shorter and never blocks on it.
@pytest.mark.parametrize("product", ["dysport"])
def test_products_without_a_verified_window_get_a_warning_and_no_block(product: str) -> None:
    old = vial(product, reconstituted_at=SESSION_AT - timedelta(days=30))
    found = codes(session(plan("glabellar_lines", product, vials={"vial": old})))
    assert "reconstitution_window_unverified" in found
    assert "reconstitution_window_exceeded" not in found


# ---- vial_overdrawn ---------------------------------------------------------------------------


def test_it_allows_drawing_exactly_what_remains_after_earlier_draws_and_discards() -> None:
    # 100 U vial: 70 drawn + 10 discarded leaves 20 for a 20 U glabellar session
    assert "vial_overdrawn" not in glabellar_with(drawn=Decimal(70), discarded=Decimal(10))


def test_it_blocks_drawing_more_than_remains_after_earlier_draws_and_discards() -> None:
    found = only(
        "vial_overdrawn",
        session(
            plan(
                vials={
                    "vial": vial(
                        "botox_cosmetic", lot="C9", drawn=Decimal(70), discarded=Decimal("10.5")
                    )
                }
            )
        ),
    )
    assert found.message == "Vial C9: 20 U planned but only 19.5 U of 100 U remain."


def test_an_overdrawn_vial_never_shows_negative_units_remaining() -> None:
    found = only(
        "vial_overdrawn",
        session(plan(vials={"vial": vial("botox_cosmetic", lot="C9", drawn=Decimal(120))})),
    )
    assert "only 0 U of 100 U remain" in found.message


def test_each_vial_is_checked_against_its_own_draws() -> None:
    sites = preempt_plan().injections
    first, second = sites[:20], sites[20:]  # 100 U and 55 U
    vials = {
        "a": vial("botox", lot="A1", size_units=Decimal(100), diluent_ml=Decimal(2)),
        "b": vial(
            "botox", lot="B1", size_units=Decimal(100), diluent_ml=Decimal(2), drawn=Decimal(45)
        ),
    }
    split = [*(replace(i, vial="a") for i in first), *(replace(i, vial="b") for i in second)]
    assert "vial_overdrawn" not in codes(
        session(plan("preempt_fixed_site", "botox", injections=split, vials=vials))
    )
    vials["b"] = vial("botox", lot="B1", size_units=Decimal(100), drawn=Decimal("45.5"))
    found = only(
        "vial_overdrawn",
        session(plan("preempt_fixed_site", "botox", injections=split, vials=vials)),
    )
    assert found.message.startswith("Vial B1: 55 U planned")


def test_an_injection_from_a_vial_not_given_is_an_input_error() -> None:
    missing = plan(injections=[injection("procerus", Side.MIDLINE, 4, vial="other")])
    with pytest.raises(InvalidInput) as raised:
        check(session(missing))
    assert raised.value.field == "injections[0].vial"


# ---- lot_missing, product and size ------------------------------------------------------------


@pytest.mark.parametrize("lot", ["", "   ", "\t"])
def test_it_blocks_a_vial_with_an_empty_or_blank_lot(lot: str) -> None:
    assert "lot_missing" in glabellar_with(lot=lot)


def test_a_blank_lot_is_named_by_the_vials_key_in_messages() -> None:
    blank = vial("botox_cosmetic", lot="  ", expiry=SESSION_DAY - timedelta(days=1))
    sites = [replace(i, vial="fridge-2") for i in plan().injections]
    found = only("vial_expired", session(plan(injections=sites, vials={"fridge-2": blank})))
    assert found.message == "Vial fridge-2 expired on 2026-06-14."


def test_a_recorded_lot_passes() -> None:
    assert "lot_missing" not in glabellar_with(lot="C4521")


def test_it_blocks_a_vial_of_another_product() -> None:
    found = only("vial_product_mismatch", session(plan(vials={"vial": vial("xeomin", lot="X1")})))
    assert found.message == "Vial X1 is Xeomin, but the plan is for BOTOX Cosmetic."


def test_a_vial_of_the_other_onabotulinumtoxina_label_is_still_another_product() -> None:
    assert "vial_product_mismatch" in codes(session(plan(vials={"vial": vial("botox")})))


def test_it_warns_about_a_vial_size_the_reference_does_not_list() -> None:
    assert "vial_size_unlisted" in glabellar_with(size_units=Decimal(200))
    assert "vial_size_unlisted" not in glabellar_with(size_units=Decimal(50))
