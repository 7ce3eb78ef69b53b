"""Muscles, treatment areas and injection points (reference §1.2, §2.1, §2.2)."""

from __future__ import annotations

import pytest

from bonta.domain.anatomy import (
    area_of,
    areas,
    check_side,
    get_area,
    get_muscle,
    get_point,
    muscles,
    points,
)
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway, Side

from .builders import PREEMPT_MUSCLES


def test_every_areas_muscles_exist() -> None:
    for area in areas().values():
        assert area.muscles, area.code
        assert area.muscles <= set(muscles()), area.code


@pytest.mark.parametrize("code", sorted(points()))
def test_every_points_side_is_allowed_for_its_muscle(code: str) -> None:
    point = points()[code]
    check_side(get_muscle(point.muscle), point.side)
    assert point.view in {"front", "side", "back"}
    assert 0 <= point.x <= 200
    assert 0 <= point.y <= 240


def test_a_cosmetic_muscle_belongs_to_exactly_one_cosmetic_area() -> None:
    cosmetic = [a for a in areas().values() if a.pathway is Pathway.COSMETIC]
    for muscle in muscles():
        holders = [a.code for a in cosmetic if muscle in a.muscles]
        assert len(holders) <= 1, (muscle, holders)


def test_the_chronic_migraine_area_is_the_seven_preempt_muscle_groups() -> None:
    assert get_area("chronic_migraine").muscles == PREEMPT_MUSCLES
    assert get_area("chronic_migraine").pathway is Pathway.CHRONIC_MIGRAINE


@pytest.mark.parametrize(
    ("area", "label_muscles"),
    [
        ("glabellar_lines", {"corrugator", "procerus"}),
        ("lateral_canthal_lines", {"orbicularis_oculi"}),
        ("forehead_lines", {"frontalis"}),
        ("platysma_bands", {"platysma"}),
    ],
)
def test_cosmetic_label_areas_hold_the_muscles_the_label_names(
    area: str, label_muscles: set[str]
) -> None:
    assert get_area(area).muscles == label_muscles


def test_a_muscle_maps_to_its_area_on_each_pathway() -> None:
    assert area_of(Pathway.COSMETIC, "frontalis") == "forehead_lines"
    assert area_of(Pathway.CHRONIC_MIGRAINE, "frontalis") == "chronic_migraine"
    assert area_of(Pathway.COSMETIC, "trapezius") is None
    assert area_of(Pathway.CHRONIC_MIGRAINE, "orbicularis_oculi") is None


def test_the_procerus_is_midline_only_and_paired_muscles_are_left_and_right() -> None:
    assert get_muscle("procerus").sides == {Side.MIDLINE}
    for code in PREEMPT_MUSCLES - {"procerus", "frontalis"}:
        assert get_muscle(code).sides == {Side.LEFT, Side.RIGHT}, code


def test_it_refuses_a_side_the_muscle_does_not_have() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_side(get_muscle("procerus"), Side.LEFT, "injections[0].side")
    assert raised.value.field == "injections[0].side"
    assert raised.value.reason == "Procerus is injected midline, not left"


def test_only_trapezius_carries_a_snomed_code() -> None:
    # reference §9: the other muscles' SNOMED CT codes are UNVERIFIED
    coded = {c: m.snomed for c, m in muscles().items() if m.snomed}
    assert coded == {"trapezius": "31764008"}


@pytest.mark.parametrize(
    ("lookup", "field"),
    [(get_muscle, "muscle"), (get_area, "area"), (get_point, "point")],
)
def test_unknown_codes_are_input_errors(lookup: object, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        lookup("nose_tip")  # type: ignore[operator]
    assert raised.value.field == field
