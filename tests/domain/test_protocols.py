"""Protocol templates expand to exactly the label tables (reference §1.2, §1.3, §2.2, §3)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from bonta.domain.anatomy import areas, check_side, get_muscle
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Side
from bonta.domain.products import get_product
from bonta.domain.protocols import expand, get_protocol, protocols

from .builders import codes, plan, session

# §1.2 per-muscle table: units, sites
PREEMPT_TABLE = {
    "frontalis": (20, 4),
    "corrugator": (10, 2),
    "procerus": (5, 1),
    "occipitalis": (30, 6),
    "temporalis": (40, 8),
    "trapezius": (30, 6),
    "cervical_paraspinal": (20, 4),
}


@pytest.mark.parametrize("template", ["preempt_fixed_site", "preempt_follow_the_pain"])
def test_preempt_expands_to_exactly_the_label_table(template: str) -> None:
    injections = expand(get_protocol(template), "botox")
    units: Counter[str] = Counter()
    sites: Counter[str] = Counter()
    for i in injections:
        units[i.muscle] += int(i.units)
        sites[i.muscle] += 1
        assert i.units == Decimal(5)  # 0.1 mL (5 U) per site
    assert {m: (units[m], sites[m]) for m in units} == PREEMPT_TABLE
    assert sum(i.units for i in injections) == Decimal(155)
    assert len(injections) == 31


def test_preempt_splits_paired_muscles_evenly_left_and_right() -> None:
    injections = expand(get_protocol("preempt_fixed_site"), "botox")
    by_side = Counter((i.muscle, i.side) for i in injections)
    for muscle, (_, n) in PREEMPT_TABLE.items():
        if muscle == "procerus":
            assert by_side[(muscle, Side.MIDLINE)] == 1
        else:
            assert by_side[(muscle, Side.LEFT)] == by_side[(muscle, Side.RIGHT)] == n // 2


def test_follow_the_pain_is_flagged_for_verification_and_adds_no_sites_itself() -> None:
    ftp = get_protocol("preempt_follow_the_pain")
    assert ftp.needs_verification
    assert "[W]" in ftp.source
    assert "UNVERIFIED" in ftp.source
    assert ftp.extra_muscles == {"temporalis", "occipitalis", "trapezius"}
    assert (ftp.max_extra_units, ftp.max_total_units, ftp.max_sites) == (
        Decimal(40),
        Decimal(195),
        39,
    )
    assert ftp.points == get_protocol("preempt_fixed_site").points


def test_only_the_follow_the_pain_template_needs_verification() -> None:
    flagged = {c for c, p in protocols().items() if p.needs_verification}
    assert flagged == {"preempt_follow_the_pain"}


@pytest.mark.parametrize(
    ("product", "per_site", "total"),
    [
        ("botox_cosmetic", 4, 20),
        ("dysport", 10, 50),
        ("xeomin", 4, 20),
        ("jeuveau", 4, 20),
        ("daxxify", 8, 40),
        ("letybo", 4, 20),
    ],
)
def test_glabellar_lines_expand_to_five_sites_per_product(
    product: str, per_site: int, total: int
) -> None:
    injections = expand(get_protocol("glabellar_lines"), product)
    assert len(injections) == 5
    assert {i.units for i in injections} == {Decimal(per_site)}
    assert sum(i.units for i in injections) == Decimal(total)
    # 2 in each corrugator, 1 in the procerus
    assert Counter((i.muscle, i.side) for i in injections) == {
        ("corrugator", Side.LEFT): 2,
        ("corrugator", Side.RIGHT): 2,
        ("procerus", Side.MIDLINE): 1,
    }
    assert get_product(product).indications["glabellar_lines"].units == Decimal(total)


def test_lateral_canthal_lines_expand_to_24_units_in_six_sites() -> None:
    injections = expand(get_protocol("lateral_canthal_lines"), "botox_cosmetic")
    assert len(injections) == 6
    assert sum(i.units for i in injections) == Decimal(24)
    assert Counter(i.side for i in injections) == {Side.LEFT: 3, Side.RIGHT: 3}
    assert {i.muscle for i in injections} == {"orbicularis_oculi"}


def test_forehead_with_glabellar_lines_expands_to_40_units_in_ten_sites() -> None:
    injections = expand(get_protocol("forehead_and_glabellar_lines"), "botox_cosmetic")
    assert len(injections) == 10
    assert sum(i.units for i in injections) == Decimal(40)
    frontalis = [i for i in injections if i.muscle == "frontalis"]
    assert (len(frontalis), sum(i.units for i in frontalis)) == (5, Decimal(20))


@pytest.mark.parametrize(
    ("template", "total"),
    [
        ("platysma_bands_one_each_side", 26),
        ("platysma_bands_one_and_two", 31),
        ("platysma_bands_two_each_side", 36),
    ],
)
def test_platysma_templates_hold_the_label_total_and_expand_to_no_points(
    template: str, total: int
) -> None:
    protocol = get_protocol(template)
    assert protocol.total_units == {"botox_cosmetic": Decimal(total)}
    assert expand(protocol, "botox_cosmetic") == ()
    assert "UNVERIFIED" in protocol.source


@pytest.mark.parametrize("template", sorted(protocols()))
def test_expand_refuses_a_product_the_template_does_not_dose(template: str) -> None:
    refused = {"botox", "botox_cosmetic", "dysport", "xeomin", "jeuveau", "daxxify", "letybo"}
    refused -= get_protocol(template).products
    assert refused
    for product in sorted(refused):
        with pytest.raises(InvalidInput) as raised:
            expand(get_protocol(template), product)
        assert raised.value.field == "protocol"
        assert f"{template} has no label dose for {product}" in raised.value.reason


@pytest.mark.parametrize("template", sorted(protocols()))
def test_every_template_fits_its_area_product_and_points(template: str) -> None:
    protocol = get_protocol(template)
    assert areas()[protocol.area].pathway is protocol.pathway
    for product in protocol.products:
        assert protocol.area in get_product(product).indications
        assert get_product(product).is_labelled_for(protocol.pathway)
        for i in expand(protocol, product, vial="v1"):
            check_side(get_muscle(i.muscle), i.side)
            assert i.vial == "v1"
            assert i.muscle in areas()[protocol.area].muscles or protocol.area == "forehead_lines"


@pytest.mark.parametrize(
    ("template", "product"),
    sorted((code, product) for code, p in protocols().items() for product in p.units_per_site),
)
def test_every_expanded_template_passes_the_safety_check_for_a_clean_patient(
    template: str, product: str
) -> None:
    found = codes(session(plan(template, product)))
    assert not {"dose_above_label", "area_not_in_label", "forehead_without_glabellar"} & set(found)
    assert all(c.endswith("_unknown") for c in found), found


def test_an_unknown_protocol_is_an_input_error() -> None:
    with pytest.raises(InvalidInput) as raised:
        get_protocol("full_face")
    assert "unknown protocol 'full_face'" in raised.value.reason
