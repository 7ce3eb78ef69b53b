"""HIT-6 and MIDAS scoring: answers in, total and band out.

Both instruments are copyrighted (clinical-reference §6.1, NINDS notice; MIDAS licence terms
UNVERIFIED): this module stores and scores **answers only**. Items are named `item_1` …
`item_6` (HIT-6) and `q1` … `q5`, `a`, `b` (MIDAS), never by their wording; a clinic that holds
a licence loads its own text in the interface layer.

Left out (clinical-reference §6, UNVERIFIED): MIDAS grade IV-A/IV-B sub-bands, MIDAS and HIT-6
minimal clinically important differences for chronic migraine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from bonta.domain.errors import InvalidInput
from bonta.domain.reference import load

# The most days any three consecutive calendar months hold (July–September: 31 + 31 + 30). Not a
# clinical threshold: the arithmetic bound on "days in the last 3 months" (MIDAS, §6.2).
MAX_DAYS_IN_3_MONTHS = 92
MIDAS_PAIN_MAX = 10  # MIDAS B: average pain 0–10 (clinical-reference §6.2)


@dataclass(frozen=True, slots=True)
class Band:
    code: str
    label: str
    min: int
    max: int | None
    source: str

    def holds(self, total: int) -> bool:
        return total >= self.min and (self.max is None or total <= self.max)


def _bands(raw: list[dict[str, Any]]) -> tuple[Band, ...]:
    return tuple(
        Band(
            code=str(b["code"]),
            label=str(b["label"]),
            min=int(b["min"]),
            max=int(b["max"]) if "max" in b else None,
            source=str(b["source"]),
        )
        for b in raw
    )


def _band_for(total: int, bands: tuple[Band, ...]) -> Band:
    return next(b for b in bands if b.holds(total))


# ---- HIT-6 -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit6Scale:
    items: tuple[str, ...]
    points: Mapping[str, int]  # answer → points
    total_min: int
    total_max: int
    bands: tuple[Band, ...]
    source: str


@cache
def hit6_scale() -> Hit6Scale:
    raw = load("headache")["hit6"]
    return Hit6Scale(
        items=tuple(f"item_{n}" for n in range(1, int(raw["items"]) + 1)),
        points=dict(zip(raw["answers"], (int(p) for p in raw["points"]), strict=True)),
        total_min=int(raw["total_min"]),
        total_max=int(raw["total_max"]),
        bands=_bands(raw["bands"]),
        source=str(raw["source"]),
    )


@dataclass(frozen=True, slots=True)
class Hit6Score:
    answers: Mapping[str, str]  # item_1 … item_6 → never | rarely | sometimes | very_often | always
    total: int  # 36–78
    band: Band
    source: str


def score_hit6(answers: Mapping[str, str]) -> Hit6Score:
    """HIT-6 total (sum of item points, 36–78) and impact band (clinical-reference §6.1)."""
    scale = hit6_scale()
    _reject_unknown_items(answers, scale.items)
    total = 0
    for item in scale.items:
        if item not in answers or answers[item] in (None, ""):
            raise InvalidInput(item, "is missing; every HIT-6 item must be answered")
        answer = answers[item]
        if answer not in scale.points:
            allowed = ", ".join(scale.points)
            raise InvalidInput(item, f"{answer!r} is not a HIT-6 answer ({allowed})")
        total += scale.points[answer]
    return Hit6Score(
        answers={item: answers[item] for item in scale.items},
        total=total,
        band=_band_for(total, scale.bands),
        source=scale.source,
    )


# ---- MIDAS -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MidasScale:
    scored_items: tuple[str, ...]
    grades: tuple[Band, ...]
    source: str


@cache
def midas_scale() -> MidasScale:
    raw = load("headache")["midas"]
    return MidasScale(
        scored_items=tuple(f"q{n}" for n in range(1, int(raw["scored_items"]) + 1)),
        grades=_bands(raw["grades"]),
        source=str(raw["source"]),
    )


@dataclass(frozen=True, slots=True)
class MidasScore:
    answers: Mapping[str, int]  # q1 … q5 (days), and a (days) / b (0–10) when given
    total: int  # sum of q1 … q5
    grade: Band
    headache_days: int | None  # item A, unscored
    average_pain: int | None  # item B, unscored
    source: str


def _days(item: str, value: object, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(item, "must be a whole number")
    if value < 0 or value > maximum:
        raise InvalidInput(item, f"must be between 0 and {maximum}")
    return value


def score_midas(answers: Mapping[str, int | None]) -> MidasScore:
    """MIDAS total (sum of q1–q5, days in the last 3 months) and grade I–IV (§6.2).

    Items A (headache days) and B (average pain 0–10) are optional and unscored. Q2 and Q4
    exclude the days counted in Q1 and Q3, so Q1 + Q2 and Q3 + Q4 are days too and cannot
    exceed the days in three months.
    """
    scale = midas_scale()
    _reject_unknown_items(answers, (*scale.scored_items, "a", "b"))
    days: dict[str, int] = {}
    for item in scale.scored_items:
        value = answers.get(item)
        if value is None:
            raise InvalidInput(item, "is missing; every scored MIDAS item must be answered")
        days[item] = _days(item, value, MAX_DAYS_IN_3_MONTHS)
    for first, second in (("q1", "q2"), ("q3", "q4")):
        if days[first] + days[second] > MAX_DAYS_IN_3_MONTHS:
            raise InvalidInput(
                second, f"{first} + {second} exceed the {MAX_DAYS_IN_3_MONTHS} days in 3 months"
            )
    a = answers.get("a")
    b = answers.get("b")
    headache_days = None if a is None else _days("a", a, MAX_DAYS_IN_3_MONTHS)
    average_pain = None if b is None else _days("b", b, MIDAS_PAIN_MAX)
    total = sum(days.values())
    stored: dict[str, int] = dict(days)
    if headache_days is not None:
        stored["a"] = headache_days
    if average_pain is not None:
        stored["b"] = average_pain
    return MidasScore(
        answers=stored,
        total=total,
        grade=_band_for(total, scale.grades),
        headache_days=headache_days,
        average_pain=average_pain,
        source=scale.source,
    )


def _reject_unknown_items(answers: Mapping[str, object], known: tuple[str, ...]) -> None:
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise InvalidInput(unknown[0], "is not an item of this questionnaire")
