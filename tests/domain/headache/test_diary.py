"""One diary day: what it may hold, and how ICHD-3 and the label classify it.

Reference: clinical-reference §1.1 (≥4 h a day), §4.1 (ICHD-3 1.1 C and D), §4.3 (1.3 C).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.days import (
    DiaryDay,
    MedicationClass,
    index_by_date,
    is_acute_medication_day,
    is_headache_day,
    is_headache_day_of_4_hours,
    is_migraine_day,
    migraine_day_criteria,
)

ON = date(2025, 3, 3)


def headache(**kw: object) -> DiaryDay:
    fields: dict[str, object] = {"hours": Decimal(6), "intensity": 1}
    fields.update(kw)
    return DiaryDay(on=ON, headache=True, **fields)  # type: ignore[arg-type]


# ---- what a day may hold -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"headache": True, "hours": Decimal("24.01")}, "hours"),
        ({"headache": True, "hours": Decimal(-1)}, "hours"),
        ({"headache": True, "hours": Decimal("NaN")}, "hours"),
        ({"headache": True, "intensity": 4}, "intensity"),
        ({"headache": True, "intensity": -1}, "intensity"),
        ({"headache": False, "hours": Decimal("0.5")}, "hours"),
        ({"headache": False, "intensity": 1}, "intensity"),
        ({"headache": False, "acute_medication": frozenset({"aspirin"})}, "acute_medication"),
    ],
)
def test_it_refuses_a_day_that_cannot_have_happened(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        DiaryDay(on=ON, **fields)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_it_accepts_a_whole_day_of_headache() -> None:
    assert DiaryDay(on=ON, headache=True, hours=Decimal(24), intensity=3).hours == 24


def test_a_date_recorded_twice_is_an_error_whatever_the_order() -> None:
    with pytest.raises(InvalidInput, match="2025-03-03 is recorded more than once"):
        index_by_date([headache(), DiaryDay(on=ON, headache=False)])


# ---- headache days -----------------------------------------------------------------------------


def test_a_day_without_headache_is_not_a_headache_day() -> None:
    assert not is_headache_day(DiaryDay(on=ON, headache=False))
    assert is_headache_day(headache())


@pytest.mark.parametrize(("hours", "expected"), [("3.99", False), ("4", True), ("24", True)])
def test_a_headache_day_of_4_hours_follows_the_label_wording(hours: str, expected: bool) -> None:
    # clinical-reference §1.1: "headache lasting 4 hours a day or longer"
    assert is_headache_day_of_4_hours(headache(hours=Decimal(hours))) is expected


# ---- migraine days: ICHD-3 1.3 C ---------------------------------------------------------------


@pytest.mark.parametrize(
    "features",
    [
        {"unilateral": True, "pulsating": True},
        {"unilateral": True, "intensity": 2},
        {"pulsating": True, "worse_with_activity": True},
        {"intensity": 3, "worse_with_activity": True},
    ],
)
def test_two_of_the_four_1_1_c_characteristics_with_nausea_make_a_migraine_day(
    features: dict[str, object],
) -> None:
    day = headache(nausea=True, **features)
    assert is_migraine_day(day)
    assert migraine_day_criteria(day) == {"C1"}


@pytest.mark.parametrize(
    "features",
    [{"unilateral": True}, {"pulsating": True}, {"intensity": 2}, {"worse_with_activity": True}],
)
def test_one_1_1_c_characteristic_is_not_enough(features: dict[str, object]) -> None:
    assert not is_migraine_day(headache(nausea=True, vomiting=True, **features))


def test_mild_intensity_does_not_count_as_moderate_or_severe() -> None:
    assert not is_migraine_day(headache(intensity=1, unilateral=True, nausea=True))
    assert is_migraine_day(headache(intensity=2, unilateral=True, nausea=True))


@pytest.mark.parametrize(
    ("accompaniment", "expected"),
    [
        ({"nausea": True}, True),
        ({"vomiting": True}, True),
        ({"photophobia": True, "phonophobia": True}, True),
        ({"photophobia": True}, False),  # 1.1 D2 needs photophobia *and* phonophobia
        ({"phonophobia": True}, False),
        ({}, False),
    ],
)
def test_1_1_d_needs_nausea_or_vomiting_or_both_photo_and_phonophobia(
    accompaniment: dict[str, object], expected: bool
) -> None:
    day = headache(unilateral=True, pulsating=True, **accompaniment)
    assert is_migraine_day(day) is expected


def test_a_headache_day_with_aura_is_a_migraine_day_by_c2_on_the_patients_word() -> None:
    day = headache(aura=True)
    assert migraine_day_criteria(day) == {"C2"}


def test_aura_without_headache_is_not_a_migraine_day() -> None:
    assert not is_migraine_day(DiaryDay(on=ON, headache=False, aura=True))


def test_believed_migraine_relieved_by_a_triptan_or_ergot_is_a_migraine_day_by_c3() -> None:
    day = headache(believed_migraine=True, relieved_by_triptan_or_ergot=True)
    assert migraine_day_criteria(day) == {"C3"}


@pytest.mark.parametrize(
    "fields", [{"believed_migraine": True}, {"relieved_by_triptan_or_ergot": True}]
)
def test_c3_needs_both_the_belief_and_the_relief(fields: dict[str, object]) -> None:
    assert not is_migraine_day(headache(**fields))


def test_a_day_may_meet_several_criteria_and_is_counted_once() -> None:
    day = headache(
        unilateral=True,
        pulsating=True,
        nausea=True,
        aura=True,
        believed_migraine=True,
        relieved_by_triptan_or_ergot=True,
    )
    assert migraine_day_criteria(day) == {"C1", "C2", "C3"}
    assert is_migraine_day(day)


def test_features_on_a_day_without_headache_make_no_migraine_day() -> None:
    day = DiaryDay(on=ON, headache=False, unilateral=True, pulsating=True, nausea=True)
    assert migraine_day_criteria(day) == frozenset()


# ---- acute medication --------------------------------------------------------------------------


def test_any_class_makes_an_acute_medication_day_other_included() -> None:
    assert is_acute_medication_day(
        DiaryDay(on=ON, headache=False, acute_medication=frozenset({MedicationClass.OTHER}))
    )
    assert not is_acute_medication_day(DiaryDay(on=ON, headache=False))


def test_the_medication_classes_are_the_eight_the_issue_lists() -> None:
    assert [c.value for c in MedicationClass] == [
        "triptan",
        "ergot",
        "opioid",
        "simple_analgesic",
        "combination_analgesic",
        "gepant",
        "ditan",
        "other",
    ]
