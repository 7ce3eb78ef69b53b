"""Product label facts, checked against clinical-reference §1–§3 tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bonta.domain.anatomy import areas
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.products import all_products, get_product, products_for

# (product, area): (units, sites) — §1.2, §2.2 Table 1, §3 table
LABEL_DOSES: dict[tuple[str, str], tuple[int, int | None]] = {
    ("botox", "chronic_migraine"): (155, 31),
    ("botox_cosmetic", "glabellar_lines"): (20, 5),
    ("botox_cosmetic", "lateral_canthal_lines"): (24, 6),
    ("botox_cosmetic", "forehead_lines"): (20, 5),
    ("botox_cosmetic", "platysma_bands"): (36, None),  # per-site UNVERIFIED
    ("dysport", "glabellar_lines"): (50, 5),
    ("xeomin", "glabellar_lines"): (20, 5),
    ("xeomin", "forehead_lines"): (20, None),
    ("xeomin", "lateral_canthal_lines"): (24, None),
    ("jeuveau", "glabellar_lines"): (20, 5),
    ("daxxify", "glabellar_lines"): (40, 5),
    ("letybo", "glabellar_lines"): (20, 5),
}

VIAL_SIZES = {
    "botox": (100, 200),  # 50 U is [W]
    "botox_cosmetic": (50, 100),
    "dysport": (300,),  # 500 U is [W]
    "xeomin": (50, 100, 200),
    "jeuveau": (100,),
    "daxxify": (100,),  # 50 U is [W]
    "letybo": (50, 100),
}

RECONSTITUTION_HOURS = {"botox": 24, "botox_cosmetic": 24, "jeuveau": 24, "letybo": 24}


def test_the_reference_holds_exactly_the_seven_us_products() -> None:
    assert set(all_products()) == set(VIAL_SIZES)


@pytest.mark.parametrize(("key", "dose"), sorted(LABEL_DOSES.items()))
def test_each_label_dose_matches_the_reference(
    key: tuple[str, str], dose: tuple[int, int | None]
) -> None:
    product, area = key
    label = get_product(product).indications[area]
    assert (label.units, label.sites) == (Decimal(dose[0]), dose[1])
    assert label.source.startswith("clinical-reference §")


def test_no_product_has_an_indication_the_reference_does_not_give() -> None:
    given = {(code, area) for code, p in all_products().items() for area in p.indications}
    assert given == set(LABEL_DOSES)


def test_every_indication_is_a_treatment_area_on_a_pathway_the_product_is_labelled_for() -> None:
    for product in all_products().values():
        for area in product.indications:
            assert area in areas()
            assert areas()[area].pathway in product.pathways


@pytest.mark.parametrize(("product", "sizes"), sorted(VIAL_SIZES.items()))
def test_vial_sizes_match_the_reference(product: str, sizes: tuple[int, ...]) -> None:
    assert get_product(product).vial_sizes_units == tuple(Decimal(s) for s in sizes)


@pytest.mark.parametrize("product", sorted(VIAL_SIZES))
def test_reconstitution_windows_are_given_only_where_the_reference_verifies_them(
    product: str,
) -> None:
    window = get_product(product).reconstitution_window
    if product in RECONSTITUTION_HOURS:
        assert window is not None
        assert window.hours == RECONSTITUTION_HOURS[product]
    else:
        assert window is None


def test_only_botox_is_labelled_for_chronic_migraine() -> None:
    assert [p.code for p in products_for(Pathway.CHRONIC_MIGRAINE)] == ["botox"]


def test_every_product_but_therapeutic_botox_is_cosmetic() -> None:
    cosmetic = {p.code for p in products_for(Pathway.COSMETIC)}
    assert cosmetic == set(VIAL_SIZES) - {"botox"}


def test_only_therapeutic_botox_lists_human_albumin_as_an_ingredient() -> None:
    with_albumin = {c for c, p in all_products().items() if "human_albumin" in p.ingredients}
    assert with_albumin == {"botox"}


@pytest.mark.parametrize("product", ["dysport", "letybo"])
def test_unverified_retreatment_intervals_are_left_out_and_say_so(product: str) -> None:
    label = get_product(product)
    assert label.retreatment_interval is None
    assert "retreatment interval (UNVERIFIED)" in label.omitted


def test_xeomins_per_session_400_units_is_not_encoded_as_a_cumulative_limit() -> None:
    # reference "Conflicts found": Xeomin's wording is per treatment session, not per 3 months
    assert get_product("xeomin").cumulative_limit is None
    assert "400 U in a treatment session" in get_product("xeomin").omitted


def test_products_display_brand_and_nonproprietary_name() -> None:
    assert get_product("dysport").display == "Dysport (abobotulinumtoxinA)"
    assert get_product("botox_cosmetic").display == "BOTOX Cosmetic (onabotulinumtoxinA)"


def test_an_unknown_product_is_an_input_error_that_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as raised:
        get_product("relfydess", "plan.product")
    assert raised.value.field == "plan.product"
    assert "unknown product 'relfydess'" in raised.value.reason
    assert "botox, botox_cosmetic, daxxify" in raised.value.reason
