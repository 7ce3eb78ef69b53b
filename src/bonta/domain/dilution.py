"""Reconstitution arithmetic: vial units and diluent volume to concentration and volumes.

All in Decimal. Concentration is given per 0.1 mL, as labels state it ("4 Units per 0.1 mL").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bonta.domain.errors import InvalidInput

TENTH_ML = Decimal("0.1")
VOLUME_STEP_ML = Decimal("0.001")


def concentration_u_per_0_1ml(vial_units: Decimal, diluent_ml: Decimal) -> Decimal:
    """Units in each 0.1 mL once `vial_units` are dissolved in `diluent_ml`."""
    if vial_units <= 0:
        raise InvalidInput("size_units", "must be greater than zero")
    if diluent_ml <= 0:
        raise InvalidInput("diluent_ml", "must be greater than zero")
    return vial_units / diluent_ml * TENTH_ML


def volume_ml(units: Decimal, vial_units: Decimal, diluent_ml: Decimal) -> Decimal:
    """Volume to draw for `units`, rounded to the nearest microlitre (0.001 mL)."""
    if units <= 0:
        raise InvalidInput("units", "must be greater than zero")
    concentration_u_per_0_1ml(vial_units, diluent_ml)  # validates the vial
    # units × mL ÷ U is exact for label inputs; dividing by a rounded concentration (100 U in
    # 2.85 mL is 35.087… U/mL) could turn an exact half-microlitre into one just below it.
    return (units * diluent_ml / vial_units).quantize(VOLUME_STEP_ML, rounding=ROUND_HALF_UP)
