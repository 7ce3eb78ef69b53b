"""Safety engine v2: history records of indications outside Bonta's two pathways."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.plan import PastTreatment

from .builders import GLABELLAR, codes, only, plan, preempt_plan, session


def spasticity(
    on: date, units: int, muscles: frozenset[str] | None = None, product: str = "botox"
) -> PastTreatment:
    return PastTreatment(on, product, Decimal(units), None, muscles, indication="spasticity")


def test_another_indication_counts_toward_the_cumulative_window() -> None:
    # 245 U + 155 U = 400 U passes; 246 U does not (§1.5: all indications combined)
    assert "cumulative_dose_exceeded" not in codes(
        session(preempt_plan(), history=[spasticity(date(2026, 5, 16), 245)])
    )
    found = only(
        "cumulative_dose_exceeded",
        session(preempt_plan(), history=[spasticity(date(2026, 5, 16), 246)]),
    )
    assert "246 U already given" in found.message


def test_a_record_of_another_indication_without_muscles_never_blocks_for_retreatment() -> None:
    found = codes(session(preempt_plan(), history=[spasticity(date(2026, 5, 16), 100)]))
    assert "retreatment_too_soon" not in found
    assert "recent_treatment_same_area" not in found


def test_it_covers_only_the_muscles_it_names() -> None:
    history = [spasticity(date(2026, 5, 16), 100, frozenset({"trapezius"}))]
    found = only("retreatment_too_soon", session(preempt_plan(), history=history))
    assert found.message.startswith("Trapezius treated on 2026-05-16 (spasticity, BOTOX)")
    assert "retreatment_too_soon" not in codes(session(plan(), history=history))


def test_a_pathway_record_without_muscles_still_assumes_the_worst_on_its_pathway() -> None:
    history = [
        PastTreatment(date(2026, 5, 16), "botox_cosmetic", Decimal(20), Pathway.COSMETIC, None)
    ]
    assert "retreatment_too_soon" in codes(session(plan(), history=history))


def test_another_product_of_another_indication_is_flagged_as_multiple_products() -> None:
    history = [spasticity(date(2026, 5, 16), 300, GLABELLAR, product="dysport")]
    assert "multiple_products" in codes(session(plan(), history=history))


@pytest.mark.parametrize(
    ("pathway", "indication"),
    [(None, None), (None, "  "), (Pathway.COSMETIC, "spasticity")],
)
def test_a_record_has_a_pathway_or_an_indication(
    pathway: Pathway | None, indication: str | None
) -> None:
    with pytest.raises(InvalidInput) as raised:
        PastTreatment(date(2026, 1, 1), "botox", Decimal(1), pathway, None, indication=indication)
    assert raised.value.field == "indication"
