"""Patient rules: contraindications and label warnings (reference §1.6, §1.8, §2.5)."""

from __future__ import annotations

import pytest

from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import BlockKind
from bonta.domain.plan import Plan
from bonta.domain.safety import check

from .builders import (
    ALL_PRODUCTS,
    codes,
    only,
    patient,
    plan,
    preempt_plan,
    session,
)


def label_dose_plan(product: str) -> Plan:
    return preempt_plan() if product == "botox" else plan("glabellar_lines", product)


# ---- hypersensitivity -------------------------------------------------------------------------


@pytest.mark.parametrize("product", ALL_PRODUCTS)
def test_it_blocks_any_product_for_hypersensitivity_to_botulinum_toxin(product: str) -> None:
    allergic = patient(allergies=frozenset({"botulinum_toxin"}))
    found = only("hypersensitivity", session(label_dose_plan(product), patient_=allergic))
    assert found.message == (
        "Recorded hypersensitivity: Any botulinum toxin preparation. Contraindicated."
    )


def test_it_blocks_botox_for_hypersensitivity_to_human_albumin() -> None:
    allergic = patient(allergies=frozenset({"human_albumin"}))
    assert "hypersensitivity" in codes(session(preempt_plan(), patient_=allergic))


# §11.1 changed these: BOTOX Cosmetic, Jeuveau, Dysport and Letybo now list human albumin.
@pytest.mark.parametrize("product", ["botox_cosmetic", "jeuveau", "dysport", "letybo"])
def test_human_albumin_hypersensitivity_is_a_hard_stop_where_section_11_1_lists_it(
    product: str,
) -> None:
    allergic = patient(allergies=frozenset({"human_albumin"}))
    found = only("hypersensitivity", session(label_dose_plan(product), patient_=allergic))
    assert found.kind is BlockKind.HARD_STOP
    assert "§11.1" in found.source


@pytest.mark.parametrize("product", ["xeomin", "daxxify"])
def test_human_albumin_hypersensitivity_does_not_block_products_without_it_verified(
    product: str,
) -> None:
    allergic = patient(allergies=frozenset({"human_albumin"}))
    assert "hypersensitivity" not in codes(session(label_dose_plan(product), patient_=allergic))


def test_two_culprits_make_one_finding_naming_both() -> None:
    allergic = patient(allergies=frozenset({"human_albumin", "botulinum_toxin"}))
    found = only("hypersensitivity", session(preempt_plan(), patient_=allergic))
    assert "Any botulinum toxin preparation, Human albumin" in found.message


# ---- injection_site_infection -----------------------------------------------------------------


def test_it_blocks_when_a_planned_muscle_is_infected() -> None:
    infected = patient(infection_sites=frozenset({"procerus", "masseter"}))
    found = only("injection_site_infection", session(plan("glabellar_lines"), patient_=infected))
    assert found.message == "Infection recorded at a planned site: Procerus. Contraindicated."


def test_an_infection_elsewhere_does_not_block() -> None:
    infected = patient(infection_sites=frozenset({"orbicularis_oculi"}))
    assert "injection_site_infection" not in codes(
        session(plan("glabellar_lines"), patient_=infected)
    )


def test_an_infection_at_a_preempt_muscle_blocks_the_migraine_session() -> None:
    infected = patient(infection_sites=frozenset({"trapezius"}))
    assert "injection_site_infection" in codes(session(preempt_plan(), patient_=infected))


# ---- conditions and medications ---------------------------------------------------------------


@pytest.mark.parametrize(
    "condition", ["myasthenia_gravis", "lambert_eaton", "als", "peripheral_motor_neuropathy"]
)
@pytest.mark.parametrize("product", ALL_PRODUCTS)
def test_each_neuromuscular_disorder_warns_for_every_product(condition: str, product: str) -> None:
    found = codes(
        session(label_dose_plan(product), patient_=patient(conditions=frozenset({condition})))
    )
    assert "neuromuscular_disorder" in found


def test_several_neuromuscular_disorders_make_one_finding() -> None:
    both = patient(conditions=frozenset({"als", "myasthenia_gravis"}))
    found = only("neuromuscular_disorder", session(patient_=both))
    assert "Amyotrophic lateral sclerosis (ALS), Myasthenia gravis" in found.message


@pytest.mark.parametrize("condition", ["swallowing_disorder", "respiratory_disorder"])
def test_swallowing_or_respiratory_disorders_warn(condition: str) -> None:
    found = codes(session(patient_=patient(conditions=frozenset({condition}))))
    assert "swallowing_or_breathing_disorder" in found
    assert "neuromuscular_disorder" not in found


@pytest.mark.parametrize(
    "medication", ["aminoglycoside", "neuromuscular_blocker", "anticholinergic", "muscle_relaxant"]
)
@pytest.mark.parametrize("product", ALL_PRODUCTS)
def test_each_interacting_medication_warns_for_every_product(medication: str, product: str) -> None:
    found = codes(
        session(label_dose_plan(product), patient_=patient(medications=frozenset({medication})))
    )
    assert "drug_interaction" in found


def test_cardiovascular_disease_warns_for_botox_cosmetic() -> None:
    heart = patient(conditions=frozenset({"cardiovascular_disease"}))
    assert "cardiovascular_disease" in codes(session(plan("glabellar_lines"), patient_=heart))


@pytest.mark.parametrize("product", [p for p in ALL_PRODUCTS if p != "botox_cosmetic"])
def test_cardiovascular_disease_is_a_warning_only_on_the_botox_cosmetic_label(product: str) -> None:
    heart = patient(conditions=frozenset({"cardiovascular_disease"}))
    assert "cardiovascular_disease" not in codes(session(label_dose_plan(product), patient_=heart))


def test_an_unknown_condition_is_an_input_error_not_a_silent_pass() -> None:
    with pytest.raises(InvalidInput) as raised:
        check(session(patient_=patient(conditions=frozenset({"gout"}))))
    assert raised.value.field == "patient.conditions"


def test_an_unknown_medication_is_an_input_error() -> None:
    with pytest.raises(InvalidInput) as raised:
        check(session(patient_=patient(medications=frozenset({"aspirin"}))))
    assert raised.value.field == "patient.medications"


# ---- pregnancy_or_breastfeeding ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pregnant", "breastfeeding", "words"),
    [
        (True, False, "pregnant"),
        (False, True, "breastfeeding"),
        (True, True, "pregnant and breastfeeding"),
    ],
)
def test_pregnancy_or_breastfeeding_warns(pregnant: bool, breastfeeding: bool, words: str) -> None:
    state = patient(pregnant=pregnant, breastfeeding=breastfeeding)
    found = only("pregnancy_or_breastfeeding", session(patient_=state))
    assert found.message.startswith(f"Recorded {words}. ")
    assert found.severity.value == "warn"
    assert "not in clinical-reference.md" in found.source


def test_neither_pregnant_nor_breastfeeding_raises_nothing() -> None:
    assert "pregnancy_or_breastfeeding" not in codes(session(patient_=patient()))


def test_an_unknown_allergy_is_an_input_error_not_a_silent_pass() -> None:
    # a misspelt "botulinum_toxin" must not let a contraindicated session through
    with pytest.raises(InvalidInput) as raised:
        check(session(patient_=patient(allergies=frozenset({"botulinum_toxn"}))))
    assert raised.value.field == "patient.allergies"
