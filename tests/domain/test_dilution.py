"""Reconstitution arithmetic (reference §1.4, §2.3, §3)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bonta.domain.dilution import VOLUME_STEP_ML, concentration_u_per_0_1ml, volume_ml
from bonta.domain.errors import InvalidInput
from bonta.domain.products import get_product


@pytest.mark.parametrize(
    ("product", "vial_units", "diluent_ml", "u_per_0_1ml"),
    [
        ("botox", 100, "2", "5"),  # §1.4 chronic migraine
        ("botox", 200, "4", "5"),
        ("botox_cosmetic", 50, "1.25", "4"),  # §2.3
        ("botox_cosmetic", 100, "2.5", "4"),
        ("jeuveau", 100, "2.5", "4"),  # §3
        ("dysport", 300, "1.5", "20"),  # 10 U/0.05 mL
        ("dysport", 300, "2.5", "12"),  # 10 U/0.08 mL as the label rounds it
    ],
)
def test_each_label_dilution_is_in_the_reference_and_gives_the_label_concentration(
    product: str, vial_units: int, diluent_ml: str, u_per_0_1ml: str
) -> None:
    listed = {(d.vial_units, d.diluent_ml) for d in get_product(product).dilutions}
    assert (Decimal(vial_units), Decimal(diluent_ml)) in listed
    assert concentration_u_per_0_1ml(Decimal(vial_units), Decimal(diluent_ml)) == Decimal(
        u_per_0_1ml
    )


def test_every_listed_dilution_is_covered_above() -> None:
    counts = {
        code: len(get_product(code).dilutions)
        for code in ("botox", "botox_cosmetic", "jeuveau", "dysport")
    }
    assert counts == {"botox": 2, "botox_cosmetic": 2, "jeuveau": 1, "dysport": 2}
    for code in ("xeomin", "daxxify", "letybo"):  # [W] or not in the reference
        assert get_product(code).dilutions == ()


@pytest.mark.parametrize(
    ("units", "vial_units", "diluent_ml", "volume"),
    [
        ("5", 100, "2", "0.100"),  # one PREEMPT site
        ("155", 200, "4", "3.100"),
        ("4", 100, "2.5", "0.100"),  # one glabellar site
        ("20", 100, "2.5", "0.500"),  # label: 20 Units in 0.5 mL
        ("24", 100, "2.5", "0.600"),  # 24 Units in 0.6 mL
        ("40", 50, "1.25", "1.000"),  # 40 Units in 1 mL
        ("10", 300, "1.5", "0.050"),  # Dysport 10 U/0.05 mL
        ("10", 300, "2.5", "0.083"),  # Dysport "10 U/0.08 mL"
    ],
)
def test_volumes_match_the_label_tables(
    units: str, vial_units: int, diluent_ml: str, volume: str
) -> None:
    assert volume_ml(Decimal(units), Decimal(vial_units), Decimal(diluent_ml)) == Decimal(volume)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: concentration_u_per_0_1ml(Decimal(0), Decimal(2)), "size_units"),
        (lambda: concentration_u_per_0_1ml(Decimal(100), Decimal(0)), "diluent_ml"),
        (lambda: concentration_u_per_0_1ml(Decimal(100), Decimal(-1)), "diluent_ml"),
        (lambda: volume_ml(Decimal(0), Decimal(100), Decimal(2)), "units"),
        (lambda: volume_ml(Decimal(-5), Decimal(100), Decimal(2)), "units"),
    ],
)
def test_non_positive_inputs_are_refused_with_the_field_named(call: object, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        call()  # type: ignore[operator]
    assert raised.value.field == field


vial_sizes = st.sampled_from([Decimal(n) for n in (50, 100, 200, 300)])
diluents = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(10), places=2)
doses = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(400), places=1)


@given(doses, vial_sizes, diluents)
def test_concentration_times_volume_gives_back_the_units_within_rounding(
    units: Decimal, vial_units: Decimal, diluent_ml: Decimal
) -> None:
    per_0_1ml = concentration_u_per_0_1ml(vial_units, diluent_ml)
    volume = volume_ml(units, vial_units, diluent_ml)
    per_ml = per_0_1ml * 10
    context_precision = Decimal("1e-20")  # per_ml itself is rounded to 28 digits
    assert abs(volume * per_ml - units) <= VOLUME_STEP_ML / 2 * per_ml + context_precision


@given(doses, vial_sizes, diluents)
def test_volume_is_the_exact_volume_rounded_half_up_to_a_microlitre(
    units: Decimal, vial_units: Decimal, diluent_ml: Decimal
) -> None:
    exact = units * diluent_ml / vial_units
    assert volume_ml(units, vial_units, diluent_ml) == exact.quantize(
        VOLUME_STEP_ML, rounding=ROUND_HALF_UP
    )


def test_an_exact_half_microlitre_rounds_up() -> None:
    # 7.5 U from 50 U in 0.63 mL is exactly 0.0945 mL
    assert volume_ml(Decimal("7.5"), Decimal(50), Decimal("0.63")) == Decimal("0.095")


@given(doses, doses, vial_sizes, diluents)
def test_more_units_never_need_less_volume(
    a: Decimal, b: Decimal, vial_units: Decimal, diluent_ml: Decimal
) -> None:
    assume(a != b)
    small, large = sorted((a, b))
    assert volume_ml(small, vial_units, diluent_ml) <= volume_ml(large, vial_units, diluent_ml)


@given(doses, vial_sizes, diluents)
def test_more_diluent_never_needs_less_volume(
    units: Decimal, vial_units: Decimal, diluent_ml: Decimal
) -> None:
    more = diluent_ml + Decimal("0.5")
    assert volume_ml(units, vial_units, diluent_ml) <= volume_ml(units, vial_units, more)
