"""The duration model and its priors: clinical-reference §7, with status tags kept."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from bonta.domain.anatomy import areas
from bonta.domain.duration import (
    Observation,
    duration_priors,
    population_prior,
    predicted_days,
    shrunk_duration,
)
from bonta.domain.errors import InvalidInput
from bonta.domain.products import all_products
from bonta.domain.reference import load

# (product, area): (amount, unit, status) — clinical-reference §7
SECTION_7 = {
    ("botox_cosmetic", "glabellar_lines"): (4, "months", "[S]"),  # "up to 4 months"
    ("daxxify", "glabellar_lines"): (6, "months", "[S]/[W]"),  # "median ~6 months"
    ("dysport", "glabellar_lines"): (4, "months", "[W]"),  # "three to four months": upper end
}


def test_the_priors_are_exactly_the_durations_section_7_gives() -> None:
    assert {
        key: (p.duration.amount, p.duration.unit, p.status) for key, p in duration_priors().items()
    } == SECTION_7


@pytest.mark.parametrize("key", sorted(SECTION_7))
def test_every_prior_cites_section_7_and_flags_weak_sources(key: tuple[str, str]) -> None:
    prior = duration_priors()[key]
    assert prior.source.startswith("clinical-reference §7; ")
    assert prior.stated.strip()
    assert prior.note.strip()
    assert prior.needs_verification is ("[W]" in prior.status)


def test_every_prior_names_a_known_product_and_a_cosmetic_area() -> None:
    for product, area in duration_priors():
        assert product in all_products()
        assert areas()[area].pathway.value == "cosmetic"


def test_every_duration_entry_has_source_and_status() -> None:
    for product, by_area in load("durations").items():
        for area, raw in by_area.items():
            assert raw["source"].strip(), (product, area)
            assert raw["status"] in {"[P]", "[S]", "[S]/[W]", "[W]"}, (product, area)


@pytest.mark.parametrize(
    ("product", "area"),
    [
        ("botox_cosmetic", "lateral_canthal_lines"),
        ("botox_cosmetic", "forehead_lines"),
        ("botox_cosmetic", "platysma_bands"),
        ("xeomin", "glabellar_lines"),  # §7 gives only the onset for Xeomin
        ("jeuveau", "glabellar_lines"),
        ("letybo", "glabellar_lines"),
        ("botox", "chronic_migraine"),  # a fixed 12-week cycle, not a duration model
    ],
)
def test_there_is_no_prior_where_the_reference_gives_no_duration(product: str, area: str) -> None:
    assert population_prior(product, area) is None


def test_four_months_from_15_june_is_122_days_and_from_15_october_123() -> None:
    prior = duration_priors()[("botox_cosmetic", "glabellar_lines")]
    assert prior.days_after(date(2026, 6, 15)) == 122
    assert prior.days_after(date(2026, 10, 15)) == 123


def test_an_observation_counts_days_from_treatment_to_wear_off() -> None:
    assert Observation(date(2026, 1, 1), date(2026, 4, 11)).days == 100


def test_with_no_observations_the_prediction_is_the_anchor() -> None:
    assert shrunk_duration(122, [], 2) == 122


def test_the_prior_counts_as_k_observations() -> None:
    assert shrunk_duration(120, [90, 100], 2) == Fraction(430, 4)
    assert shrunk_duration(120, [90, 100], 0) == 95
    assert predicted_days(120, [90, 100], 2) == 108  # 107.5 rounded up


def test_a_negative_prior_weight_is_refused() -> None:
    with pytest.raises(InvalidInput):
        shrunk_duration(120, [90], -1)
