"""`bonta check`: history entries of other indications (`indication`, `muscles`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

Plan = dict[str, Any]
Run = Callable[..., tuple[int, str, str]]


def spasticity(**extra: object) -> dict[str, object]:
    # 2025-05-20 is 21 days before the PREEMPT session of 2025-06-10
    return {
        "date": "2025-05-20",
        "product": "botox",
        "units": 250,
        "indication": "spasticity",
    } | extra


def test_another_indication_without_muscles_counts_for_dose_but_not_re_treatment(
    run_check: Run, preempt_plan: Plan
) -> None:
    preempt_plan["history"] = [spasticity()]

    code, out, _ = run_check(preempt_plan)

    findings = json.loads(out)["findings"]
    assert code == 1
    assert [f["code"] for f in findings] == ["cumulative_dose_exceeded"]  # 250 + 155 > 400
    assert findings[0]["kind"] == "clinical_block"
    assert findings[0]["override"] == "reason_and_countersignature"


def test_another_indication_covers_the_muscles_it_names(run_check: Run, preempt_plan: Plan) -> None:
    preempt_plan["history"] = [spasticity(units=100, muscles=["trapezius"])]

    code, out, _ = run_check(preempt_plan)

    assert code == 1
    finding = json.loads(out)["findings"][0]
    assert finding["code"] == "retreatment_too_soon"
    assert finding["message"].startswith("Trapezius treated on 2025-05-20 (spasticity, BOTOX)")


def test_muscles_may_also_name_a_pathway_records_sites(
    run_check: Run, glabellar_plan: Plan
) -> None:
    glabellar_plan["history"] = [
        {
            "date": "2025-07-01",
            "product": "botox_cosmetic",
            "units": 24,
            "pathway": "cosmetic",
            "muscles": ["orbicularis_oculi"],
        }
    ]

    code, out, _ = run_check(glabellar_plan)

    assert (code, json.loads(out)["findings"]) == (0, [])


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        (
            {"date": "2025-05-20", "product": "botox", "units": 1},
            "history[0].pathway: is required (or `indication` for a record outside Bonta's "
            "pathways)",
        ),
        (
            spasticity(pathway="chronic_migraine"),
            "history[0].indication: give pathway or indication, not both",
        ),
        (spasticity(indication=" "), "history[0].indication: must not be empty"),
        (spasticity(indication=3), "history[0].indication: must be a string, not a number"),
        (
            spasticity(area="glabellar_lines"),
            "history[0].area: an area belongs to one of Bonta's pathways; name the muscles of "
            "another indication with `muscles`",
        ),
        (
            spasticity(muscles=[]),
            "history[0].muscles: must name at least one muscle (omit it when not known)",
        ),
        (spasticity(muscles=["biceps"]), "history[0].muscles[0]: unknown muscle 'biceps'"),
        (
            spasticity(muscles=["trapezius"], area="glabellar_lines"),
            "history[0].muscles: give area or muscles, not both",
        ),
    ],
)
def test_bad_history_entries_name_the_field(
    run_check: Run, preempt_plan: Plan, entry: dict[str, object], error: str
) -> None:
    preempt_plan["history"] = [entry]

    code, out, err = run_check(preempt_plan)

    assert (code, out) == (2, "")
    assert err.strip() == f"bonta: {error}"
