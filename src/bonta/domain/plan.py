"""The immutable snapshot the safety engine checks: patient, history, and the plan itself.

Services build a `Snapshot` from the database (or the CLI from a plan file), then call
`bonta.domain.safety.check`. Nothing here reads a database or a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway, Side


@dataclass(frozen=True, slots=True)
class PatientState:
    """Standing facts about the patient that safety rules read."""

    birth_date: date
    sex: str = "unknown"
    pregnant: bool = False
    breastfeeding: bool = False
    conditions: frozenset[str] = frozenset()
    allergies: frozenset[str] = frozenset()
    medications: frozenset[str] = frozenset()
    infection_sites: frozenset[str] = frozenset()  # muscle codes


@dataclass(frozen=True, slots=True)
class PastTreatment:
    """One session's units of one product, given here or elsewhere (imported records too).

    `muscles` is what was injected; None when the record does not say (an imported total
    without sites), in which case rules treat it as possibly overlapping on its pathway.

    A record of another indication, outside Bonta's two pathways (spasticity 250 U BOTOX, say),
    has `pathway=None` and names it in `indication` (free text). It counts toward the
    cumulative window like any record, and for re-treatment it covers only the `muscles` it
    names: with none named it covers no muscle (there is no pathway to assume the worst on).
    """

    on: date
    product: str
    units: Decimal
    pathway: Pathway | None
    muscles: frozenset[str] | None = None
    source: str = "local"
    indication: str | None = None

    def __post_init__(self) -> None:
        if self.pathway is None and not (self.indication and self.indication.strip()):
            raise InvalidInput("indication", "a record without a pathway must name its indication")
        if self.pathway is not None and self.indication is not None:
            raise InvalidInput("indication", "give a pathway or another indication, not both")

    @property
    def given_for(self) -> str:
        """What it was given for, in words: the pathway's label or the other indication."""
        if self.pathway is None:
            return str(self.indication).strip()
        return self.pathway.label.lower()


@dataclass(frozen=True, slots=True)
class VialState:
    """A vial as it stands before this plan draws from it."""

    product: str
    lot: str
    expiry: date
    size_units: Decimal
    diluent_ml: Decimal | None = None
    reconstituted_at: datetime | None = None
    units_drawn_before: Decimal = Decimal(0)
    units_discarded: Decimal = Decimal(0)

    @property
    def units_remaining(self) -> Decimal:
        return self.size_units - self.units_drawn_before - self.units_discarded


@dataclass(frozen=True, slots=True)
class Injection:
    muscle: str
    side: Side
    units: Decimal
    point: str | None = None
    vial: str = "vial"


@dataclass(frozen=True, slots=True)
class Plan:
    at: datetime  # aware; the session's local date is `Snapshot.on`
    pathway: Pathway
    product: str
    injections: tuple[Injection, ...]
    vials: Mapping[str, VialState] = field(default_factory=dict)
    protocol: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    patient: PatientState
    history: tuple[PastTreatment, ...]
    plan: Plan
    on: date  # the session's local calendar date

    @property
    def planned_muscles(self) -> frozenset[str]:
        return frozenset(i.muscle for i in self.plan.injections)

    @property
    def planned_units(self) -> Decimal:
        return sum((i.units for i in self.plan.injections), Decimal(0))


# A technical limit, not a clinical one (README, "Technical limits"): a PREEMPT plan has 31–39
# points and a cosmetic plan far fewer, so 200 leaves room for any real session while keeping
# a plan (its rows, its check, its page) small. Every way in — web, API, CLI plan file — checks
# it through `check_plan_size`.
MAX_PLAN_POINTS = 200


def check_plan_size(points: int, field: str = "injections") -> None:
    if points > MAX_PLAN_POINTS:
        raise InvalidInput(
            field, f"a plan has at most {MAX_PLAN_POINTS} injection points (this one has {points})"
        )
