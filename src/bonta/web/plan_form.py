"""The encounter's plan as the map form posts it: rows of (point, units) plus one action.

The form always posts the whole plan, so every change is one `plan_treatment` call that
replaces the draft's plan, and one `review_plan` that re-runs the safety check.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import QueryDict

from bonta.domain.anatomy import points
from bonta.domain.dilution import volume_ml
from bonta.domain.errors import InvalidInput
from bonta.domain.units import format_units
from bonta.records.models import PlannedInjection, Vial
from bonta.records.services import InjectionInput
from bonta.web.injection_map import point_label

ROW_FIELD = re.compile(r"^injections\[(\d+)\]\.(\w+)$")


@dataclass
class Row:
    point: str
    units: str
    error: str = ""
    vial: str = ""  # this point's own vial; "" = the plan's vial (`PlanState.vial`)

    @property
    def label(self) -> str:
        return point_label(self.point) if self.point in points() else self.point

    @property
    def muscle(self) -> str:
        return points()[self.point].muscle if self.point in points() else ""


@dataclass
class PlanState:
    """What the form holds: rows, the chosen vial, units for new points, errors by field."""

    rows: list[Row]
    vial: str = ""
    new_units: str = ""
    protocol: str = ""
    map_view: str = ""  # the map's view on screen (front / side_right / side_left / back)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_post(cls, data: QueryDict) -> PlanState:
        points, units = data.getlist("point"), data.getlist("units")
        vials = data.getlist("row_vial")
        if len(vials) != len(points):  # a form without per-point vials: all from the plan's
            vials = [""] * len(points)
        rows = [Row(p, u.strip(), vial=v) for p, u, v in zip(points, units, vials, strict=False)]
        state = cls(rows, data.get("vial", ""), data.get("new_units", "").strip())
        state.protocol = data.get("protocol", "")
        state.map_view = data.get("map_view", "")
        return state

    @classmethod
    def from_plan(cls, planned: Sequence[PlannedInjection], new_units: str) -> PlanState:
        vial = str(planned[0].vial_id) if planned else ""
        own = [str(p.vial_id) for p in planned]  # "" where a point uses the plan's vial
        rows = [
            Row(p.point, format_units(p.units), vial="" if v == vial else v)
            for p, v in zip(planned, own, strict=True)
        ]
        return cls(rows, vial, new_units)

    def toggle(self, code: str) -> None:
        """A map click: remove the point if planned, else add it with the new-point units."""
        if code not in points():
            self.errors["map"] = f"unknown injection point {code!r}"
        elif any(r.point == code for r in self.rows):
            self.rows = [r for r in self.rows if r.point != code]
        else:
            self.rows.append(Row(code, self.new_units))

    def remove(self, index: str) -> None:
        if index.isdigit() and int(index) < len(self.rows):
            del self.rows[int(index)]

    def injections(self) -> list[InjectionInput]:
        table = points()
        return [
            InjectionInput(
                table[r.point].muscle if r.point in table else r.point,
                table[r.point].side.value if r.point in table else "",
                r.units,
                point=r.point,
                vial=r.vial or None,
            )
            for r in self.rows
        ]

    def refuse(self, error: InvalidInput) -> None:
        """Put a service's refusal next to the field it names."""
        match = ROW_FIELD.match(error.field)
        if match and match.group(2) == "vial_id":
            index = int(match.group(1))
            if index < len(self.rows) and self.rows[index].vial:
                self.rows[index].error = f"vial: {error.reason}"
            else:
                self.errors["vial"] = error.reason
        elif match and int(match.group(1)) < len(self.rows):
            self.rows[int(match.group(1))].error = error.reason
        elif error.field in {"vial_id", "vial"}:
            self.errors["vial"] = error.reason
        elif error.field == "protocol":
            self.errors["protocol"] = error.reason
        else:
            self.errors["plan"] = error.message

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(r.error for r in self.rows)


def volumes(
    rows: Iterable[Row], vial: Vial | None, others: Mapping[str, Vial] | None = None
) -> list[str]:
    """Volume to draw per row from its vial's concentration (domain dilution), or "".

    A row's own vial is looked up in `others` (by id); without one it draws from `vial`.
    """
    result = []
    for row in rows:
        source = (others or {}).get(row.vial) if row.vial else vial
        try:
            units = Decimal(row.units)
            ok = source is not None and source.diluent_ml is not None and units > 0
            result.append(
                f"{volume_ml(units, source.size_units, source.diluent_ml)} mL" if ok else ""  # type: ignore[union-attr,arg-type]
            )
        except (ArithmeticError, InvalidInput):
            result.append("")
    return result


def fingerprint(planned: Sequence[PlannedInjection]) -> str:
    """Identifies the stored plan, so sign-off signs the plan whose findings were shown."""
    text = "|".join(f"{p.point}:{p.muscle}:{p.side}:{p.units}:{p.vial_id}" for p in planned)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def overrides(data: Mapping[str, str]) -> dict[str, str]:
    return {
        key.removeprefix("override_"): value
        for key, value in data.items()
        if key.startswith("override_") and value.strip()
    }
