"""Builders for diary tests (named test_diary_* to sit with them; it holds no tests itself).

A "block" is a run of fully recorded days: the first `migraine` days are migraine days by
ICHD-3 1.3 C1, the next `headache - migraine` are tension-type-like headache days (no migraine
features), the rest are headache-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from bonta.domain.headache.days import DiaryDay, MedicationClass
from bonta.domain.headache.periods import Diary, diary_from

FIRST_INJECTION = date(2025, 1, 6)  # a Monday
BASELINE_START = FIRST_INJECTION - timedelta(days=28)  # 2024-12-09


def days_after(start: date, n: int) -> date:
    return start + timedelta(days=n)


def free(on: date, **kw: object) -> DiaryDay:
    return DiaryDay(on=on, headache=False, **kw)  # type: ignore[arg-type]


def tension(on: date, hours: int = 6, **kw: object) -> DiaryDay:
    """A headache day with no migraine feature: bilateral, pressing, mild, no nausea."""
    return DiaryDay(on=on, headache=True, hours=Decimal(hours), intensity=1, **kw)  # type: ignore[arg-type]


def migraine(on: date, hours: int = 8, **kw: object) -> DiaryDay:
    """A migraine day by ICHD-3 1.3 C1: unilateral, pulsating, severe, with nausea."""
    fields: dict[str, object] = {
        "unilateral": True,
        "pulsating": True,
        "intensity": 3,
        "nausea": True,
    }
    fields.update(kw)
    return DiaryDay(on=on, headache=True, hours=Decimal(hours), **fields)  # type: ignore[arg-type]


def block(
    start: date,
    headache: int,
    migraine_days: int = 0,
    length: int = 28,
    medication: dict[MedicationClass, int] | None = None,
) -> list[DiaryDay]:
    """`length` recorded days from `start`; acute medication on the first n days per class."""
    assert migraine_days <= headache <= length
    days: list[DiaryDay] = []
    for i in range(length):
        on = days_after(start, i)
        taken = frozenset(cls for cls, n in (medication or {}).items() if i < n)
        if i < migraine_days:
            days.append(migraine(on, acute_medication=taken))
        elif i < headache:
            days.append(tension(on, acute_medication=taken))
        else:
            days.append(free(on, acute_medication=taken))
    return days


def periods_of(start: date, *blocks: tuple[int, int]) -> list[DiaryDay]:
    """Consecutive 28-day blocks from `start`, each (headache days, migraine days)."""
    days: list[DiaryDay] = []
    for k, (h, m) in enumerate(blocks):
        days += block(days_after(start, 28 * k), h, m)
    return days


def without(days: Iterable[DiaryDay], *dates: date) -> list[DiaryDay]:
    dropped = set(dates)
    return [d for d in days if d.on not in dropped]


def snapshot(
    days: Iterable[DiaryDay], injections: Iterable[date] = (), as_of: date | None = None
) -> Diary:
    days = list(days)
    if as_of is None:
        as_of = max(d.on for d in days)
    return diary_from(days, injections, as_of)
