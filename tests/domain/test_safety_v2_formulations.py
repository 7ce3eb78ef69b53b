"""Safety engine v2: formulations (clinical-reference §11.1) and Dysport's milk protein (§11.2)."""

from __future__ import annotations

import pytest

from bonta.domain.pathways import BlockKind, Severity
from bonta.domain.safety import check

from .builders import codes, only, patient, plan, session


def allergic(*codes_: str) -> object:
    return patient(allergies=frozenset(codes_))


def glabellar(product: str, *allergies: str) -> object:
    return session(plan("glabellar_lines", product), patient_=allergic(*allergies))  # type: ignore[arg-type]


def test_cows_milk_protein_is_a_hard_stop_for_dysport() -> None:
    found = only("hypersensitivity", glabellar("dysport", "cows_milk_protein"))  # type: ignore[arg-type]
    assert found.kind is BlockKind.HARD_STOP
    assert "Cow's milk protein" in found.message
    assert "§11.2" in found.source


@pytest.mark.parametrize("product", ["botox_cosmetic", "jeuveau", "daxxify"])
def test_cows_milk_protein_does_not_concern_a_verified_complete_formulation(product: str) -> None:
    assert codes(glabellar(product, "cows_milk_protein")) == []  # type: ignore[arg-type]


def test_botox_cosmetic_with_an_albumin_allergy_is_now_a_hard_stop_not_an_info() -> None:
    found = check(glabellar("botox_cosmetic", "human_albumin"))  # type: ignore[arg-type]
    assert [(f.code, f.kind) for f in found] == [("hypersensitivity", BlockKind.HARD_STOP)]


def test_daxxify_has_no_human_albumin() -> None:
    assert codes(glabellar("daxxify", "human_albumin")) == []  # type: ignore[arg-type]


def test_polysorbate_20_is_a_hard_stop_for_daxxify() -> None:
    assert "hypersensitivity" in codes(glabellar("daxxify", "polysorbate_20"))  # type: ignore[arg-type]


def test_xeomins_weak_albumin_warns_and_names_what_is_unverified() -> None:
    found = only("ingredients_not_in_reference", glabellar("xeomin", "human_albumin"))  # type: ignore[arg-type]
    assert found.severity is Severity.WARN
    assert "only a weak source ([W]) lists Human albumin" in found.message
    assert "hypersensitivity" not in codes(glabellar("xeomin", "human_albumin"))  # type: ignore[arg-type]


@pytest.mark.parametrize("product", ["dysport", "letybo", "xeomin"])
def test_an_allergy_an_incomplete_formulation_cannot_rule_out_warns(product: str) -> None:
    found = only("ingredients_not_in_reference", glabellar(product, "polysorbate_20"))  # type: ignore[arg-type]
    assert "cannot rule out Polysorbate 20" in found.message


def test_lactose_is_a_hard_stop_for_dysport_and_silent_for_jeuveau() -> None:
    assert "hypersensitivity" in codes(glabellar("dysport", "lactose"))  # type: ignore[arg-type]
    assert codes(glabellar("jeuveau", "lactose")) == []  # type: ignore[arg-type]
