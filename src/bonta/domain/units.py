"""Product units: a quantity that only adds up within one unit system.

Potency units are specific to each preparation and cannot be compared or converted
(clinical-reference §3, "Lack of interchangeability"). BOTOX and BOTOX Cosmetic share one
system, onabotulinumtoxinA (§10). `Units` makes mixing two systems an error rather than a sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bonta.domain.errors import IncompatibleUnits


@dataclass(frozen=True, slots=True)
class Units:
    system: str
    amount: Decimal

    def __add__(self, other: Units) -> Units:
        self._require_same_system(other)
        return Units(self.system, self.amount + other.amount)

    def __lt__(self, other: Units) -> bool:
        self._require_same_system(other)
        return self.amount < other.amount

    def __le__(self, other: Units) -> bool:
        self._require_same_system(other)
        return self.amount <= other.amount

    def __gt__(self, other: Units) -> bool:
        self._require_same_system(other)
        return self.amount > other.amount

    def __ge__(self, other: Units) -> bool:
        self._require_same_system(other)
        return self.amount >= other.amount

    def _require_same_system(self, other: Units) -> None:
        if self.system != other.system:
            raise IncompatibleUnits(
                f"units of {self.system} and {other.system} cannot be added or compared"
            )

    @classmethod
    def zero(cls, system: str) -> Units:
        return cls(system, Decimal(0))

    def __str__(self) -> str:
        return f"{format_units(self.amount)} U ({self.system})"


def format_units(amount: Decimal) -> str:
    """Show units without trailing zeros: 155, 2.5."""
    normal = amount.normalize()
    return format(normal, "f") if normal == normal.to_integral() else str(normal)
