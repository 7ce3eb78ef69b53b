"""HIT-6 and MIDAS: answers in, total and band out; a missing or impossible answer is an error.

Reference: clinical-reference §6.1 (HIT-6: 6/8/10/11/13 points, 36–78, bands ≤49, 50–55,
56–59, 60–78) and §6.2 (MIDAS: q1–q5 days in 3 months, grades I 0–5, II 6–10, III 11–20,
IV ≥21; A and B unscored).
"""

from __future__ import annotations

import pytest

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.scoring import MAX_DAYS_IN_3_MONTHS, hit6_scale, score_hit6, score_midas

ITEMS = [f"item_{n}" for n in range(1, 7)]


def hit6(*answers: str) -> dict[str, str]:
    return dict(zip(ITEMS, answers, strict=True))


# ---- HIT-6 -------------------------------------------------------------------------------------


def test_hit6_item_points_are_the_references() -> None:
    assert dict(hit6_scale().points) == {
        "never": 6,
        "rarely": 8,
        "sometimes": 10,
        "very_often": 11,
        "always": 13,
    }


@pytest.mark.parametrize(
    ("answers", "total"),
    [
        (("never",) * 6, 36),
        (("always",) * 6, 78),
        (("never", "rarely", "sometimes", "very_often", "always", "never"), 54),
    ],
)
def test_hit6_total_is_the_sum_of_item_points(answers: tuple[str, ...], total: int) -> None:
    assert score_hit6(hit6(*answers)).total == total


# Totals at each band edge, from the item points (never 6, rarely 8, sometimes 10,
# very often 11, always 13).
EDGES = {
    49: ("never", "never", "never", "rarely", "sometimes", "always"),  # 6+6+6+8+10+13
    50: ("never", "never", "never", "never", "always", "always"),  # 6*4+13*2
    55: ("never", "never", "never", "very_often", "always", "always"),  # 18+11+26
    56: ("never", "never", "rarely", "sometimes", "always", "always"),  # 12+8+10+26
    59: ("never", "never", "rarely", "always", "always", "always"),  # 12+8+39
    60: ("never", "never", "very_often", "very_often", "always", "always"),  # 12+22+26
}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (49, "little_or_no_impact"),
        (50, "some_impact"),
        (55, "some_impact"),
        (56, "substantial_impact"),
        (59, "substantial_impact"),
        (60, "severe_impact"),
    ],
)
def test_hit6_bands_change_at_50_56_and_60(total: int, band: str) -> None:
    score = score_hit6(hit6(*EDGES[total]))
    assert score.total == total
    assert score.band.code == band


def test_a_missing_hit6_item_is_an_error_naming_it() -> None:
    answers = hit6(*("never",) * 6)
    del answers["item_4"]
    with pytest.raises(InvalidInput) as raised:
        score_hit6(answers)
    assert raised.value.field == "item_4"


@pytest.mark.parametrize("answer", ["often", "Never", "6", ""])
def test_an_answer_outside_the_five_is_an_error(answer: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        score_hit6(hit6("never", "never", answer, "never", "never", "never"))
    assert raised.value.field == "item_3"


def test_an_unknown_hit6_item_is_an_error() -> None:
    with pytest.raises(InvalidInput) as raised:
        score_hit6(hit6(*("never",) * 6) | {"item_7": "never"})
    assert raised.value.field == "item_7"


def test_hit6_stores_answers_not_item_wording() -> None:
    score = score_hit6(hit6(*("rarely",) * 6))
    assert set(score.answers) == set(ITEMS)
    assert set(score.answers.values()) == {"rarely"}


# ---- MIDAS -------------------------------------------------------------------------------------


def midas(total: int, **extra: int) -> dict[str, int | None]:
    """q1–q5 adding up to `total`, spread so no pair exceeds 3 months."""
    q = [total // 5] * 5
    q[0] += total % 5
    answers: dict[str, int | None] = {f"q{i + 1}": v for i, v in enumerate(q)}
    return answers | dict(extra)


@pytest.mark.parametrize(
    ("total", "grade"),
    [(0, "I"), (5, "I"), (6, "II"), (10, "II"), (11, "III"), (20, "III"), (21, "IV"), (200, "IV")],
)
def test_midas_grades_change_at_6_11_and_21(total: int, grade: str) -> None:
    score = score_midas(midas(total))
    assert score.total == total
    assert score.grade.code == grade


def test_midas_has_no_iv_a_or_iv_b_sub_band() -> None:
    assert score_midas(midas(41)).grade.code == "IV"


def test_midas_items_a_and_b_are_stored_but_not_scored() -> None:
    score = score_midas(midas(10, a=30, b=7))
    assert score.total == 10
    assert (score.headache_days, score.average_pain) == (30, 7)
    assert score.answers["a"] == 30


@pytest.mark.parametrize("item", ["q1", "q2", "q3", "q4", "q5"])
def test_a_missing_midas_item_is_an_error_naming_it(item: str) -> None:
    answers = midas(10)
    del answers[item]
    with pytest.raises(InvalidInput) as raised:
        score_midas(answers)
    assert raised.value.field == item


@pytest.mark.parametrize(
    ("item", "value"),
    [
        ("q1", -1),
        ("q5", MAX_DAYS_IN_3_MONTHS + 1),
        ("b", 11),
        ("a", -2),
        ("q2", True),
        ("q3", 2.5),
    ],
)
def test_an_impossible_midas_answer_is_an_error(item: str, value: object) -> None:
    answers: dict[str, object] = dict(midas(0))
    answers[item] = value
    with pytest.raises(InvalidInput) as raised:
        score_midas(answers)  # type: ignore[arg-type]
    assert raised.value.field == item


def test_days_missed_and_days_at_half_productivity_cannot_exceed_three_months() -> None:
    with pytest.raises(InvalidInput) as raised:
        score_midas({"q1": 60, "q2": 40, "q3": 0, "q4": 0, "q5": 0})
    assert raised.value.field == "q2"
