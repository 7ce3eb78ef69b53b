"""Label and pathway rules: which product, which area, how much, and for whom."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bonta.domain.pathways import Pathway, Side

from .builders import (
    COSMETIC_ONLY_PRODUCTS,
    codes,
    injection,
    only,
    patient,
    plan,
    preempt_plan,
    session,
    single_site_plan,
    vial,
)

# ---- product_not_for_pathway ------------------------------------------------------------------


@pytest.mark.parametrize("product", COSMETIC_ONLY_PRODUCTS)
def test_it_blocks_every_product_but_botox_on_chronic_migraine(product: str) -> None:
    preempt_sites = preempt_plan().injections
    migraine = plan(
        "preempt_fixed_site",
        product,
        injections=preempt_sites,
        vials={"vial": vial(product, size_units=Decimal(1000))},
    )
    found = only("product_not_for_pathway", session(migraine))
    assert found.message.endswith("not labelled for chronic migraine; labelled: BOTOX.")


def test_it_allows_botox_on_chronic_migraine() -> None:
    assert "product_not_for_pathway" not in codes(session(preempt_plan()))


def test_it_blocks_therapeutic_botox_on_the_cosmetic_pathway() -> None:
    glabellar = plan(
        "glabellar_lines",
        "botox",
        injections=plan("glabellar_lines").injections,
        vials={"vial": vial("botox")},
    )
    found = only("product_not_for_pathway", session(glabellar))
    assert "BOTOX (onabotulinumtoxinA) is not labelled for cosmetic" in found.message
    assert "BOTOX Cosmetic" in found.message


@pytest.mark.parametrize("product", COSMETIC_ONLY_PRODUCTS)
def test_it_allows_every_cosmetic_product_on_the_cosmetic_pathway(product: str) -> None:
    glabellar = plan("glabellar_lines", product)
    assert "product_not_for_pathway" not in codes(session(glabellar))


def test_an_unlabelled_product_is_not_also_told_its_area_is_off_label() -> None:
    migraine = plan(
        "preempt_fixed_site",
        "xeomin",
        injections=preempt_plan().injections,
        vials={"vial": vial("xeomin", size_units=Decimal(200))},
    )
    assert "area_not_in_label" not in codes(session(migraine))


# ---- dose_above_label -------------------------------------------------------------------------

LABEL_DOSES = [
    ("botox_cosmetic", "procerus", 20),  # glabellar lines
    ("botox_cosmetic", "orbicularis_oculi", 24),  # lateral canthal lines
    ("botox_cosmetic", "frontalis", 20),  # forehead lines
    ("botox_cosmetic", "platysma", 36),  # platysma bands, two each side
    ("dysport", "corrugator", 50),
    ("xeomin", "corrugator", 20),
    ("xeomin", "frontalis", 20),
    ("xeomin", "orbicularis_oculi", 24),
    ("jeuveau", "procerus", 20),
    ("daxxify", "corrugator", 40),
    ("letybo", "procerus", 20),
]


@pytest.mark.parametrize(("product", "muscle", "label_units"), LABEL_DOSES)
def test_it_allows_the_label_dose_in_each_area(product: str, muscle: str, label_units: int) -> None:
    side = Side.MIDLINE if muscle == "procerus" else Side.LEFT
    at_label = single_site_plan(product, muscle, label_units, side=side)
    assert "dose_above_label" not in codes(session(at_label))


@pytest.mark.parametrize(("product", "muscle", "label_units"), LABEL_DOSES)
def test_it_warns_half_a_unit_above_the_label_dose_in_each_area(
    product: str, muscle: str, label_units: int
) -> None:
    side = Side.MIDLINE if muscle == "procerus" else Side.LEFT
    above = single_site_plan(product, muscle, Decimal(label_units) + Decimal("0.5"), side=side)
    found = only("dose_above_label", session(above))
    assert f"the label dose is {label_units} U." in found.message


def test_it_totals_the_dose_per_area_not_per_session() -> None:
    # 20 U glabellar + 20 U forehead + 24 U lateral canthal = the label's 64 U upper face
    upper_face = plan(
        None,
        "botox_cosmetic",
        injections=[
            *plan("forehead_and_glabellar_lines").injections,
            *plan("lateral_canthal_lines").injections,
        ],
        pathway=Pathway.COSMETIC,
    )
    assert codes(session(upper_face)) == []


def test_it_warns_when_glabellar_sites_add_up_above_the_label_across_muscles() -> None:
    glabellar = plan(
        None,
        "botox_cosmetic",
        injections=[
            injection("corrugator", Side.LEFT, 10),
            injection("corrugator", Side.RIGHT, 10),
            injection("procerus", Side.MIDLINE, 1),
        ],
        pathway=Pathway.COSMETIC,
    )
    found = only("dose_above_label", session(glabellar))
    assert found.message == (
        "21 U of BOTOX Cosmetic planned for glabellar lines; the label dose is 20 U."
    )


def migraine_plan(units: str) -> list[str]:
    extra = Decimal(units) - 155
    injections = [*preempt_plan().injections]
    if extra:
        injections.append(injection("temporalis", Side.LEFT, extra))
    return codes(session(plan("preempt_follow_the_pain", "botox", injections=injections)))


def test_it_allows_155_units_for_chronic_migraine() -> None:
    assert "dose_above_label" not in migraine_plan("155")


def test_it_warns_above_155_units_with_the_preempt_follow_the_pain_note() -> None:
    injections = [*preempt_plan().injections, injection("temporalis", Side.LEFT, 40)]
    found = only(
        "dose_above_label", session(plan("preempt_follow_the_pain", "botox", injections=injections))
    )
    assert found.message.startswith("195 U of BOTOX planned for chronic migraine")
    assert "the label dose is 155 U." in found.message
    assert (
        "PREEMPT follow-the-pain allowed up to 195 U (weak source): document why." in found.message
    )
    assert "dose_above_label" in migraine_plan("155.5")


def test_it_warns_above_195_units_that_preempt_never_gave_that_much() -> None:
    injections = [*preempt_plan().injections, injection("temporalis", Side.LEFT, "40.5")]
    found = only(
        "dose_above_label", session(plan("preempt_follow_the_pain", "botox", injections=injections))
    )
    assert "This is also above 195 U, the most given in the PREEMPT trials." in found.message


def test_above_label_is_a_warning_not_a_block() -> None:
    found = only("dose_above_label", session(single_site_plan("botox_cosmetic", "procerus", 30)))
    assert found.severity.value == "warn"


# ---- area_not_in_label ------------------------------------------------------------------------


def test_it_warns_about_an_area_the_products_label_does_not_dose() -> None:
    found = only("area_not_in_label", session(single_site_plan("jeuveau", "orbicularis_oculi", 12)))
    assert found.message == (
        "Lateral canthal lines: no label dose for Jeuveau (12 U planned); "
        "off-label use, record the reason."
    )


def test_it_warns_about_an_off_label_cosmetic_area() -> None:
    assert "area_not_in_label" in codes(session(single_site_plan("botox_cosmetic", "masseter", 20)))


def test_it_warns_about_a_muscle_outside_every_area_of_the_pathway() -> None:
    migraine = single_site_plan("botox", "masseter", 10, pathway=Pathway.CHRONIC_MIGRAINE)
    found = only("area_not_in_label", session(migraine))
    assert found.message == "Masseter: not part of a chronic migraine treatment area."


# ---- forehead_without_glabellar ---------------------------------------------------------------


def test_it_warns_when_forehead_lines_are_planned_without_glabellar_lines() -> None:
    assert "forehead_without_glabellar" in codes(
        session(single_site_plan("botox_cosmetic", "frontalis", 20))
    )


def test_it_accepts_forehead_lines_with_glabellar_lines() -> None:
    assert "forehead_without_glabellar" not in codes(session(plan("forehead_and_glabellar_lines")))


def test_frontalis_on_the_migraine_pathway_is_not_forehead_lines() -> None:
    assert "forehead_without_glabellar" not in codes(session(preempt_plan()))


# ---- not_adult --------------------------------------------------------------------------------


def test_it_blocks_the_day_before_the_18th_birthday() -> None:
    found = only("not_adult", session(patient_=patient(birth_date=date(2008, 6, 16))))
    assert found.message.startswith("The patient is 17 on 2026-06-15")


def test_it_allows_treatment_on_the_18th_birthday() -> None:
    assert "not_adult" not in codes(session(patient_=patient(birth_date=date(2008, 6, 15))))


def test_someone_born_on_29_february_is_18_on_1_march_of_a_common_year() -> None:
    leapling = patient(birth_date=date(2008, 2, 29))
    assert "not_adult" in codes(session(patient_=leapling, on=date(2026, 2, 28)))
    assert "not_adult" not in codes(session(patient_=leapling, on=date(2026, 3, 1)))


def test_it_blocks_minors_on_the_migraine_pathway_too() -> None:
    teenager = patient(birth_date=date(2010, 1, 1))
    assert "not_adult" in codes(session(preempt_plan(), patient_=teenager))
