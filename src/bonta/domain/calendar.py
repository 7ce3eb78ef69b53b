"""Date arithmetic for label intervals.

Months are calendar months: adding one month to 31 January gives 28 (or 29) February, the last
day of the shorter month, so an interval never silently spills into the next month.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

IntervalUnit = Literal["days", "weeks", "months"]


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = _cal.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class Interval:
    amount: int
    unit: IntervalUnit
    source: str

    def after(self, day: date) -> date:
        """The first date that is a full interval after `day`."""
        if self.unit == "days":
            return day + timedelta(days=self.amount)
        if self.unit == "weeks":
            return day + timedelta(weeks=self.amount)
        return add_months(day, self.amount)

    def before(self, day: date) -> date:
        """The date a full interval before `day`."""
        if self.unit == "days":
            return day - timedelta(days=self.amount)
        if self.unit == "weeks":
            return day - timedelta(weeks=self.amount)
        return add_months(day, -self.amount)

    def describe(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit.rstrip("s")
        return f"{self.amount} {unit}"


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on `on`; someone born 29 February turns a year older on 1 March
    in a common year."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)
