"""Units add up only within one unit system (reference §3: not interchangeable)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonta.domain.errors import IncompatibleUnits
from bonta.domain.products import all_products
from bonta.domain.units import Units, format_units

SYSTEMS = sorted({p.unit_system for p in all_products().values()})
amounts = st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False)
COMPARISONS: list[Callable[[Units, Units], bool]] = [
    operator.lt,
    operator.le,
    operator.gt,
    operator.ge,
]


def test_botox_and_botox_cosmetic_share_one_unit_system_and_no_one_else_does() -> None:
    systems = {code: p.unit_system for code, p in all_products().items()}
    assert systems["botox"] == systems["botox_cosmetic"] == "onabotulinumtoxinA"
    others = [s for code, s in systems.items() if code not in {"botox", "botox_cosmetic"}]
    assert len(set(others)) == len(others) == 5
    assert "onabotulinumtoxinA" not in others


def test_it_adds_units_of_one_system() -> None:
    total = Units("onabotulinumtoxinA", Decimal(155)) + Units("onabotulinumtoxinA", Decimal(20))
    assert total == Units("onabotulinumtoxinA", Decimal(175))


def test_it_refuses_to_add_botox_and_dysport_units() -> None:
    with pytest.raises(IncompatibleUnits) as raised:
        _ = Units("onabotulinumtoxinA", Decimal(20)) + Units("abobotulinumtoxinA", Decimal(50))
    assert raised.value.message == (
        "units of onabotulinumtoxinA and abobotulinumtoxinA cannot be added or compared"
    )


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(Decimal(155), "155"), (Decimal("2.50"), "2.5"), (Decimal("1E+2"), "100"), (Decimal(0), "0")],
)
def test_it_shows_units_without_trailing_zeros(amount: Decimal, shown: str) -> None:
    assert format_units(amount) == shown


def test_units_print_with_their_system() -> None:
    assert str(Units("incobotulinumtoxinA", Decimal("20.0"))) == "20 U (incobotulinumtoxinA)"


@given(st.sampled_from(SYSTEMS), st.sampled_from(SYSTEMS), amounts, amounts)
def test_units_of_two_systems_never_add_or_compare(a: str, b: str, x: Decimal, y: Decimal) -> None:
    left, right = Units(a, x), Units(b, y)
    if a == b:
        assert (left + right).amount == x + y
        return
    with pytest.raises(IncompatibleUnits):
        _ = left + right
    for compare in COMPARISONS:
        with pytest.raises(IncompatibleUnits):
            compare(left, right)


@given(st.sampled_from(SYSTEMS), amounts, amounts, amounts)
def test_addition_within_one_system_is_associative_and_commutative(
    system: str, x: Decimal, y: Decimal, z: Decimal
) -> None:
    a, b, c = Units(system, x), Units(system, y), Units(system, z)
    assert (a + b) + c == a + (b + c)
    assert a + b == b + a
    assert a + Units.zero(system) == a


@given(st.sampled_from(SYSTEMS), amounts, amounts)
def test_comparison_within_one_system_follows_the_amounts(
    system: str, x: Decimal, y: Decimal
) -> None:
    a, b = Units(system, x), Units(system, y)
    for compare in COMPARISONS:
        assert compare(a, b) == compare(x, y)  # type: ignore[arg-type]
