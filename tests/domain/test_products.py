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

# §11.4 adds Xeomin 24 h [S] and Daxxify 72 h [S]; Dysport's 4 h vs 24 h conflict is [W] only.
RECONSTITUTION_HOURS = {
    "botox": 24,
    "botox_cosmetic": 24,
    "jeuveau": 24,
    "letybo": 24,
    "xeomin": 24,
    "daxxify": 72,
}


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


def test_human_albumin_is_an_ingredient_where_section_11_1_verifies_it() -> None:
    # §11.1: BOTOX Cosmetic, Jeuveau [P]; Dysport [S]; Letybo [S] non-US; BOTOX §1.4 [S]
    with_albumin = {c for c, p in all_products().items() if "human_albumin" in p.ingredients}
    assert with_albumin == {"botox", "botox_cosmetic", "jeuveau", "dysport", "letybo"}
    # Xeomin's albumin is [W] only; Daxxify has none ("instead of human serum albumin")
    assert get_product("xeomin").weak_ingredients == {"human_albumin", "sucrose"}
    assert "human_albumin" not in get_product("daxxify").ingredients
    assert get_product("daxxify").formulation_complete


def test_dysport_may_contain_cows_milk_protein() -> None:
    assert "cows_milk_protein" in get_product("dysport").ingredients  # §11.1, §11.2 [S]


@pytest.mark.parametrize(
    ("product", "amount", "unit"),
    [
        ("botox", 12, "weeks"),
        ("botox_cosmetic", 90, "days"),
        ("xeomin", 3, "months"),
        ("jeuveau", 3, "months"),
        ("letybo", 3, "months"),
        ("daxxify", 3, "months"),
    ],
)
def test_verified_retreatment_intervals_match_section_11_3(
    product: str, amount: int, unit: str
) -> None:
    interval = get_product(product).retreatment_interval
    assert interval is not None
    assert (interval.amount, interval.unit) == (amount, unit)
    assert get_product(product).weak_retreatment_interval is None


def test_dysports_interval_is_weak_only_and_says_so() -> None:
    label = get_product("dysport")
    assert label.retreatment_interval is None
    weak = label.weak_retreatment_interval
    assert weak is not None
    assert (weak.amount, weak.unit) == (90, "days")
    assert "[W]" in weak.source
    assert "only [W] 90 days" in label.omitted


def test_dysports_conflicting_use_within_times_keep_the_shorter_as_weak() -> None:
    label = get_product("dysport")
    assert label.reconstitution_window is None
    weak = label.weak_reconstitution_window
    assert weak is not None
    assert weak.hours == 4
    for part in ("4 h", "24 h", "[W]"):
        assert part in weak.source


@pytest.mark.parametrize(
    ("product", "area", "per_site", "sites"),
    [
        ("botox", "chronic_migraine", 5, 31),
        ("botox_cosmetic", "glabellar_lines", 4, 5),
        ("xeomin", "glabellar_lines", 4, 5),
        ("jeuveau", "glabellar_lines", 4, 5),
        ("letybo", "glabellar_lines", 4, 5),
        ("daxxify", "glabellar_lines", 8, 5),
        ("dysport", "glabellar_lines", 10, 5),
    ],
)
def test_per_site_label_doses_match_section_11_5(
    product: str, area: str, per_site: int, sites: int
) -> None:
    dose = get_product(product).indications[area]
    assert (dose.units_per_site, dose.sites) == (Decimal(per_site), sites)
    assert dose.units == per_site * sites


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
