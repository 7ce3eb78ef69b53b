"""Every finding code: one snapshot that raises it and the nearest one that does not.

The table must name every code in `safety.CODES`, so a new rule cannot ship untested.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bonta.domain.headache.judgement import Judgement
from bonta.domain.headache.nice import Verdict
from bonta.domain.pathways import BlockKind, OverrideNeed, Pathway, Severity
from bonta.domain.plan import NiceState, Snapshot
from bonta.domain.safety import CODES, KINDS, OVERRIDE_NEEDS, check

from .builders import (
    LATERAL_CANTHAL,
    SESSION_AT,
    SESSION_DAY,
    codes,
    days_before,
    past,
    patient,
    plan,
    preempt_plan,
    session,
    single_site_plan,
    vial,
)

Make = Callable[[], Snapshot]

# code: (raises it, nearest case that does not)
PAIRS: dict[str, tuple[Make, Make]] = {
    "product_not_for_pathway": (
        lambda: session(
            plan("glabellar_lines", "botox_cosmetic", pathway=Pathway.CHRONIC_MIGRAINE)
        ),
        lambda: session(plan("glabellar_lines", "botox_cosmetic")),
    ),
    "cumulative_dose_exceeded": (
        lambda: session(preempt_plan(), history=[past(days_before(30), "botox", "245.5")]),
        lambda: session(preempt_plan(), history=[past(days_before(30), "botox", "245")]),
    ),
    "retreatment_too_soon": (
        lambda: session(history=[past(days_before(89), "botox_cosmetic", 20)]),
        lambda: session(history=[past(days_before(90), "botox_cosmetic", 20)]),
    ),
    "dose_above_label": (
        lambda: session(single_site_plan("botox_cosmetic", "procerus", "20.5")),
        lambda: session(single_site_plan("botox_cosmetic", "procerus", 20)),
    ),
    "multiple_products": (
        lambda: session(history=[past(days_before(60), "dysport", 50)]),
        lambda: session(history=[past(days_before(60), "botox", 155, muscles=None)]),
    ),
    "forehead_without_glabellar": (
        lambda: session(single_site_plan("botox_cosmetic", "frontalis", 20)),
        lambda: session(plan("forehead_and_glabellar_lines")),
    ),
    "hypersensitivity": (
        lambda: session(patient_=patient(allergies=frozenset({"botulinum_toxin"}))),
        # §11.1: Daxxify has no human albumin (BOTOX Cosmetic has, so it now blocks)
        lambda: session(
            plan("glabellar_lines", "daxxify"),
            patient_=patient(allergies=frozenset({"human_albumin"})),
        ),
    ),
    "injection_site_infection": (
        lambda: session(patient_=patient(infection_sites=frozenset({"corrugator"}))),
        lambda: session(patient_=patient(infection_sites=frozenset({"platysma"}))),
    ),
    "neuromuscular_disorder": (
        lambda: session(patient_=patient(conditions=frozenset({"myasthenia_gravis"}))),
        lambda: session(patient_=patient(conditions=frozenset({"respiratory_disorder"}))),
    ),
    "drug_interaction": (
        lambda: session(patient_=patient(medications=frozenset({"aminoglycoside"}))),
        lambda: session(patient_=patient(medications=frozenset())),
    ),
    "pregnancy_or_breastfeeding": (
        lambda: session(patient_=patient(pregnant=True)),
        lambda: session(patient_=patient(pregnant=False, breastfeeding=False)),
    ),
    "not_adult": (
        lambda: session(patient_=patient(birth_date=date(2008, 6, 16))),
        lambda: session(patient_=patient(birth_date=date(2008, 6, 15))),
    ),
    "vial_expired": (
        lambda: session(plan(vials={"vial": vial("botox_cosmetic", expiry=days_before(1))})),
        lambda: session(plan(vials={"vial": vial("botox_cosmetic", expiry=SESSION_DAY)})),
    ),
    "reconstitution_window_exceeded": (
        lambda: session(
            plan(
                vials={
                    "vial": vial(
                        "botox_cosmetic",
                        reconstituted_at=SESSION_AT - timedelta(hours=24, seconds=1),
                    )
                }
            )
        ),
        lambda: session(
            plan(
                vials={
                    "vial": vial(
                        "botox_cosmetic", reconstituted_at=SESSION_AT - timedelta(hours=24)
                    )
                }
            )
        ),
    ),
    "vial_overdrawn": (
        lambda: session(plan(vials={"vial": vial("botox_cosmetic", drawn=Decimal("80.5"))})),
        lambda: session(plan(vials={"vial": vial("botox_cosmetic", drawn=Decimal(80))})),
    ),
    "lot_missing": (
        lambda: session(plan(vials={"vial": vial("botox_cosmetic", lot="")})),
        lambda: session(plan(vials={"vial": vial("botox_cosmetic", lot="C1")})),
    ),
    "vial_not_reconstituted": (
        lambda: session(plan(vials={"vial": vial("botox_cosmetic", reconstituted_at=None)})),
        lambda: session(plan(vials={"vial": vial("botox_cosmetic", reconstituted_at=SESSION_AT)})),
    ),
    "vial_product_mismatch": (
        lambda: session(plan(vials={"vial": vial("botox")})),
        lambda: session(plan(vials={"vial": vial("botox_cosmetic")})),
    ),
    "area_not_in_label": (
        lambda: session(single_site_plan("xeomin", "platysma", 10)),
        lambda: session(single_site_plan("xeomin", "orbicularis_oculi", 10)),
    ),
    "swallowing_or_breathing_disorder": (
        lambda: session(patient_=patient(conditions=frozenset({"swallowing_disorder"}))),
        lambda: session(patient_=patient(conditions=frozenset({"als"}))),
    ),
    "cardiovascular_disease": (
        lambda: session(patient_=patient(conditions=frozenset({"cardiovascular_disease"}))),
        lambda: session(
            preempt_plan(), patient_=patient(conditions=frozenset({"cardiovascular_disease"}))
        ),
    ),
    "vial_size_unlisted": (
        lambda: session(plan(vials={"vial": vial("botox_cosmetic", size_units=Decimal(200))})),
        lambda: session(plan(vials={"vial": vial("botox_cosmetic", size_units=Decimal(50))})),
    ),
    # §11.3/§11.4: only Dysport still lacks a verified interval and use-within time
    "retreatment_interval_unknown": (
        lambda: session(plan("glabellar_lines", "dysport")),
        lambda: session(plan("glabellar_lines", "letybo")),
    ),
    "reconstitution_window_unknown": (
        lambda: session(plan("glabellar_lines", "dysport")),
        lambda: session(plan("glabellar_lines", "xeomin")),
    ),
    "reconstitution_window_unverified": (
        lambda: session(
            plan(
                "glabellar_lines",
                "dysport",
                vials={
                    "vial": vial(
                        "dysport", reconstituted_at=SESSION_AT - timedelta(hours=4, seconds=1)
                    )
                },
            )
        ),
        lambda: session(
            plan(
                "glabellar_lines",
                "dysport",
                vials={"vial": vial("dysport", reconstituted_at=SESSION_AT - timedelta(hours=4))},
            )
        ),
    ),
    "off_label_dosing": (
        lambda: session(single_site_plan("botox_cosmetic", "procerus", 4)),
        lambda: session(plan("glabellar_lines", "botox_cosmetic")),
    ),
    "recent_treatment_same_area": (
        lambda: session(
            plan("glabellar_lines", "dysport"), history=[past(days_before(7), "dysport", 50)]
        ),
        lambda: session(
            plan("glabellar_lines", "dysport"),
            history=[past(days_before(7), "dysport", 50, muscles=LATERAL_CANTHAL)],
        ),
    ),
    "ingredients_not_in_reference": (
        # §11.1: Xeomin's albumin is [W] only
        lambda: session(
            plan("glabellar_lines", "xeomin"),
            patient_=patient(allergies=frozenset({"human_albumin"})),
        ),
        lambda: session(
            plan("glabellar_lines", "daxxify"),
            patient_=patient(allergies=frozenset({"human_albumin"})),
        ),
    ),
    "nice_stopping_rule_met": (
        lambda: session(preempt_plan(), nice=later_cycle(Verdict.STOP_EPISODIC)),
        lambda: session(preempt_plan(), nice=later_cycle(Verdict.CONTINUE)),
    ),
    "nice_review_not_evaluable": (
        lambda: session(preempt_plan(), nice=later_cycle(Verdict.REVIEW_NOT_EVALUABLE)),
        lambda: session(preempt_plan(), nice=later_cycle(Verdict.NOT_YET_EVALUABLE)),
    ),
    "nice_initiation_not_met": (
        lambda: session(preempt_plan(), nice=first_cycle(Judgement.NOT_EVALUABLE)),
        lambda: session(preempt_plan(), nice=first_cycle(Judgement.MET)),
    ),
}


def later_cycle(verdict: Verdict) -> NiceState:
    return NiceState(SESSION_DAY, first_cycle=False, verdict=verdict, reasons=("a reason",))


def first_cycle(initiation: Judgement) -> NiceState:
    return NiceState(SESSION_DAY, first_cycle=True, initiation=initiation, reasons=("a reason",))


def test_every_finding_code_has_a_raising_and_a_passing_case() -> None:
    assert set(PAIRS) == set(CODES)


@pytest.mark.parametrize("code", sorted(PAIRS))
def test_it_raises_the_code_and_not_in_the_nearest_case(code: str) -> None:
    raises, passes = PAIRS[code]
    assert code in codes(raises())
    assert code not in codes(passes())


def test_the_finding_codes_and_severities_are_a_fixed_contract() -> None:
    # API, CLI and stored overrides depend on these strings: never rename one.
    block, warn, info = Severity.BLOCK, Severity.WARN, Severity.INFO
    assert {
        "product_not_for_pathway": block,
        "cumulative_dose_exceeded": block,
        "retreatment_too_soon": block,
        "dose_above_label": warn,
        "multiple_products": warn,
        "forehead_without_glabellar": warn,
        "hypersensitivity": block,
        "injection_site_infection": block,
        "neuromuscular_disorder": warn,
        "drug_interaction": warn,
        "pregnancy_or_breastfeeding": warn,
        "not_adult": block,
        "vial_expired": block,
        "reconstitution_window_exceeded": block,
        "vial_overdrawn": block,
        "lot_missing": block,
        "vial_not_reconstituted": block,
        "vial_product_mismatch": block,
        "area_not_in_label": warn,
        "swallowing_or_breathing_disorder": warn,
        "cardiovascular_disease": warn,
        "vial_size_unlisted": warn,
        "recent_treatment_same_area": warn,
        "retreatment_interval_unknown": info,
        "reconstitution_window_unknown": info,
        "ingredients_not_in_reference": warn,  # was info; §11.1: "at least a warning"
        "off_label_dosing": warn,
        "reconstitution_window_unverified": warn,
        "nice_stopping_rule_met": warn,  # TA260 is guidance, not the label: never a block
        "nice_review_not_evaluable": warn,
        "nice_initiation_not_met": warn,
    } == CODES


def test_every_block_has_a_kind_and_only_blocks_do() -> None:
    assert set(KINDS) == {c for c, s in CODES.items() if s is Severity.BLOCK}
    assert {c for c, k in KINDS.items() if k is BlockKind.CLINICAL_BLOCK} == {
        "cumulative_dose_exceeded",
        "retreatment_too_soon",
        "not_adult",
    }
    assert OVERRIDE_NEEDS["cumulative_dose_exceeded"] is OverrideNeed.REASON_AND_COUNTERSIGNATURE
    assert OVERRIDE_NEEDS["retreatment_too_soon"] is OverrideNeed.REASON
    assert OVERRIDE_NEEDS["not_adult"] is OverrideNeed.REASON
    assert all(
        OVERRIDE_NEEDS[c] is OverrideNeed.NOT_ALLOWED
        for c, k in KINDS.items()
        if k is BlockKind.HARD_STOP
    )


@pytest.mark.parametrize("code", sorted(PAIRS))
def test_every_raised_finding_carries_its_kind(code: str) -> None:
    found = [f for f in check(PAIRS[code][0]()) if f.code == code]
    assert found
    assert all(f.kind is KINDS.get(code) for f in found)


def test_a_clean_label_dose_session_for_an_adult_raises_nothing() -> None:
    assert codes(session(plan("glabellar_lines", "botox_cosmetic"))) == []
    assert codes(session(preempt_plan())) == []
    assert codes(session(plan("lateral_canthal_lines"))) == []
