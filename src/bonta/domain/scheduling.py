"""Next visits after a session: the review, the next migraine cycle, the cosmetic touch-up.

Input: the session just signed (`SignedSession`: its local date `on`, pathway, product, area)
and the patient's treatments up to it (`AreaTreatment`, any product, any area, any order; the
session itself may be among them). Nothing here reads a database or a clock.

Rules, one function each:
- `review_visit` (clinic policy, not a label rule): a cosmetic session that is the patient's
  first in that area on record, with any product, gets a review `policy.review_after` later
  (default 2 weeks). The clinical reference has no source for a 2-week review.
- `next_migraine_cycle`: BOTOX is given every 12 weeks (clinical-reference §1.2, §7 [S]), so
  earliest = recommended = 12 weeks after the session — later if another product given in
  shared muscles (BOTOX Cosmetic in the glabella: 90 days) has a longer interval still running
  (§11.3, as the engine); latest adds `policy.cycle_tolerance` (default 0 days: the reference
  gives no tolerance). Reported wear-off dates are not used.
- `touch_up_window`: earliest = the first day the safety engine allows the same product again
  in this area (`bonta.domain.ledger.next_allowed`, as `safety.retreatment_too_soon` counts it):
  the product's label minimum after the session, and — across a brand change — each earlier
  product's own interval after its own treatment of an area sharing muscles with this one
  (clinical-reference §11.3: the longest wins, both products named). A touch-up on `earliest`
  passes that rule, one a day earlier is blocked. A product with no verified label interval
  (Dysport) gets no proposal (`RetreatmentIntervalUnknown`) unless the clinic has set its own
  minimum (`policy.clinic_minimum`), which the explanation then names as clinic policy.
  recommended = max(earliest, session + predicted duration) (`bonta.domain.duration`);
  latest = max(recommended, session + the longest duration this patient has recorded with this
  product in this area): by then, on their own record, the effect has worn off.

Durations seen with one product never inform another product's prediction (units and responses
are product-specific, clinical-reference §3); units are validated but the model does not use
them (the reference gives no dose–duration relation).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from bonta.domain.anatomy import get_area
from bonta.domain.calendar import Interval
from bonta.domain.duration import (
    DurationPrior,
    Observation,
    population_prior,
    predicted_days,
    shrunk_duration,
)
from bonta.domain.errors import InvalidInput
from bonta.domain.ledger import NextAllowed, next_allowed
from bonta.domain.pathways import Pathway
from bonta.domain.products import Product, get_product, products_for
from bonta.domain.units import format_units

REVIEW_AFTER = Interval(
    2,
    "weeks",
    "clinic policy (configurable), not a label rule: clinical-reference.md has no source for a "
    "2-week review",
)
NO_CYCLE_TOLERANCE = Interval(
    0,
    "days",
    "clinic policy (configurable): clinical-reference §1.2 says every 12 weeks and gives no "
    "tolerance",
)
PRIOR_WEIGHT = 2  # Bonta modelling choice: the prior counts as two observed treatments


class Basis(StrEnum):
    """What the recommended date rests on."""

    LABEL_MINIMUM = "label_minimum"
    POPULATION = "population"
    PERSONAL = "personal"


@dataclass(frozen=True, slots=True)
class SchedulingPolicy:
    """The clinic's own choices; none of them is a clinical fact."""

    review_after: Interval = REVIEW_AFTER
    prior_weight: int = PRIOR_WEIGHT
    clinic_minimum: Interval | None = None  # only for products with no verified label interval
    cycle_tolerance: Interval = NO_CYCLE_TOLERANCE

    def __post_init__(self) -> None:
        if self.review_after.amount < 1:
            raise InvalidInput("policy.review_after", "must be at least 1")
        if self.prior_weight < 0:
            raise InvalidInput("policy.prior_weight", "must be 0 or more")
        if self.clinic_minimum is not None and self.clinic_minimum.amount < 1:
            raise InvalidInput("policy.clinic_minimum", "must be at least 1")
        if self.cycle_tolerance.amount < 0:
            raise InvalidInput("policy.cycle_tolerance", "must be 0 or more")


DEFAULT_POLICY = SchedulingPolicy()


@dataclass(frozen=True, slots=True)
class SignedSession:
    """The session just given, which the next visits are counted from."""

    on: date
    pathway: Pathway
    product: str
    area: str


@dataclass(frozen=True, slots=True)
class AreaTreatment:
    """One earlier treatment of one area; `wore_off_on` is when movement returned, if known."""

    on: date
    product: str
    area: str
    units: Decimal
    wore_off_on: date | None = None


@dataclass(frozen=True, slots=True)
class Window:
    earliest: date
    recommended: date
    latest: date
    basis: Basis
    explanation: str


@dataclass(frozen=True, slots=True)
class Review:
    on: date
    reason: str


@dataclass(frozen=True, slots=True)
class NextVisits:
    review: Review | None
    treatment: Window

    @property
    def explanation(self) -> str:
        """The review (if any) and the treatment window, in one text."""
        if self.review is None:
            return self.treatment.explanation
        return f"{self.review.reason} {self.treatment.explanation}"


class RetreatmentIntervalUnknown(InvalidInput):
    """The reference holds no label interval for the product and the clinic has set none."""

    def __init__(self, product: Product) -> None:
        super().__init__(
            "product",
            f"{product.brand} has no verified label re-treatment interval in Bonta's clinical "
            f"reference, so Bonta proposes no touch-up date; check the current label and set "
            f"the clinic's own minimum interval",
        )
        self.product = product


# ---- entry point ---------------------------------------------------------------------------


def next_visits(
    session: SignedSession,
    history: Iterable[AreaTreatment],
    policy: SchedulingPolicy = DEFAULT_POLICY,
) -> NextVisits:
    """The review (first cosmetic session in an area) and the next treatment window."""
    records = tuple(history)
    check_session(session)
    check_history(session, records)
    ordered = sorted(records, key=_chronological)
    review = review_visit(session, ordered, policy)
    if session.pathway is Pathway.CHRONIC_MIGRAINE:
        return NextVisits(review, next_migraine_cycle(session, ordered, policy))
    return NextVisits(review, touch_up_window(session, ordered, policy))


# ---- input rules ---------------------------------------------------------------------------


def check_session(session: SignedSession) -> None:
    """Known product and area; the area is on the session's pathway; the product is labelled
    for it."""
    product = get_product(session.product, "product")
    area = get_area(session.area, "area")
    if area.pathway is not session.pathway:
        raise InvalidInput(
            "area",
            f"{area.code} is a {area.pathway.value} area; the pathway is {session.pathway.value}",
        )
    if not product.is_labelled_for(session.pathway):
        labelled = ", ".join(p.code for p in products_for(session.pathway))
        raise InvalidInput(
            "product",
            f"{product.brand} is not labelled for {session.pathway.label.lower()} "
            f"(labelled: {labelled})",
        )


def check_history(session: SignedSession, history: Sequence[AreaTreatment]) -> None:
    """Each record: known product and area, units > 0, on or before the session, and a wear-off
    date neither before its treatment nor after the next treatment of the same area."""
    for i, record in enumerate(history):
        field = f"history[{i}]"
        get_product(record.product, f"{field}.product")
        get_area(record.area, f"{field}.area")
        if not (record.units.is_finite() and record.units > 0):
            raise InvalidInput(f"{field}.units", f"must be greater than 0, not {record.units}")
        if record.on > session.on:
            raise InvalidInput(
                f"{field}.date",
                f"{record.on.isoformat()} is after on ({session.on.isoformat()}): the history "
                f"holds treatments up to the session scheduled from",
            )
        if record.wore_off_on is None:
            continue
        if record.wore_off_on < record.on:
            raise InvalidInput(
                f"{field}.wore_off_on",
                f"{record.wore_off_on.isoformat()} is before the treatment's date "
                f"{record.on.isoformat()}",
            )
        renewed = _next_treatment_of_area(record, session, history)
        if renewed is not None and record.wore_off_on > renewed:
            raise InvalidInput(
                f"{field}.wore_off_on",
                f"{record.wore_off_on.isoformat()} is after the next {record.area} treatment on "
                f"{renewed.isoformat()}, which renewed the effect; record it on that treatment",
            )


def _next_treatment_of_area(
    record: AreaTreatment, session: SignedSession, history: Sequence[AreaTreatment]
) -> date | None:
    later = [h.on for h in history if h.area == record.area and h.on > record.on]
    if session.area == record.area and session.on > record.on:
        later.append(session.on)
    return min(later, default=None)


# ---- review --------------------------------------------------------------------------------


def is_first_session_in_area(session: SignedSession, history: Iterable[AreaTreatment]) -> bool:
    """No treatment of this area, with any product, on record before the session."""
    return not any(h.area == session.area and h.on < session.on for h in history)


def review_visit(
    session: SignedSession,
    history: Iterable[AreaTreatment],
    policy: SchedulingPolicy = DEFAULT_POLICY,
) -> Review | None:
    """A review after a patient's first cosmetic session in an area (clinic policy)."""
    if session.pathway is not Pathway.COSMETIC or not is_first_session_in_area(session, history):
        return None
    day = policy.review_after.after(session.on)
    area = get_area(session.area)
    return Review(
        day,
        f"First {area.name.lower()} treatment on record: review on {day.isoformat()} "
        f"({policy.review_after.describe()} after; {policy.review_after.source}).",
    )


# ---- chronic migraine ----------------------------------------------------------------------


def next_migraine_cycle(
    session: SignedSession,
    history: Sequence[AreaTreatment],
    policy: SchedulingPolicy = DEFAULT_POLICY,
) -> Window:
    """The label's fixed cycle (BOTOX: every 12 weeks); no duration model."""
    product = get_product(session.product, "product")
    interval = product.retreatment_interval
    if interval is None:  # every product labelled for chronic migraine has one
        raise RetreatmentIntervalUnknown(product)
    allowed = earliest_touch_up(session, history, interval)
    assert allowed.earliest is not None  # BOTOX's own interval after the session binds at least
    due = allowed.earliest
    latest = policy.cycle_tolerance.after(due)
    bound = allowed.binding
    if bound is not None and bound.product is not product:
        text = (
            f"Next chronic-migraine cycle with {product.brand}: every {interval.describe()} "
            f"({interval.source}), but {bound.product.brand} was given in shared muscles on "
            f"{bound.earlier_on.isoformat()} and its label interval of "
            f"{bound.interval.describe()} ({bound.interval.source}) ends later: across "
            f"products the longer interval applies (clinical-reference §11.3; "
            f"{product.brand} after {bound.product.brand}), so from {due.isoformat()}. "
        )
    else:
        text = (
            f"Next chronic-migraine cycle with {product.brand}: every {interval.describe()} "
            f"({interval.source}), so from {due.isoformat()}. "
        )
    if latest == due:
        text += (
            f"Latest {latest.isoformat()}: the same day (tolerance "
            f"{policy.cycle_tolerance.describe()}; {policy.cycle_tolerance.source})."
        )
    else:
        text += (
            f"Latest {latest.isoformat()}: {policy.cycle_tolerance.describe()} of tolerance "
            f"({policy.cycle_tolerance.source})."
        )
    reported = sum(1 for h in history if h.area == session.area and h.wore_off_on is not None)
    if reported:
        text += (
            f" {reported} reported wear-off date{_s(reported)} not used: the migraine cycle "
            f"is fixed by the label."
        )
    return Window(due, due, latest, Basis.LABEL_MINIMUM, text)


# ---- cosmetic touch-up ---------------------------------------------------------------------


def minimum_interval(product: Product, policy: SchedulingPolicy = DEFAULT_POLICY) -> Interval:
    """The label's re-treatment interval; else the clinic's own minimum; else no proposal."""
    if product.retreatment_interval is not None:
        return product.retreatment_interval
    if policy.clinic_minimum is not None:
        return policy.clinic_minimum
    raise RetreatmentIntervalUnknown(product)


def observed_durations(
    session: SignedSession, history: Iterable[AreaTreatment]
) -> list[Observation]:
    """The patient's recorded durations with this product in this area, oldest first."""
    return sorted(
        (
            Observation(h.on, h.wore_off_on)
            for h in history
            if h.product == session.product and h.area == session.area and h.wore_off_on is not None
        ),
        key=lambda o: (o.treated_on, o.wore_off_on),
    )


def touch_up_window(
    session: SignedSession,
    history: Sequence[AreaTreatment],
    policy: SchedulingPolicy = DEFAULT_POLICY,
) -> Window:
    """Earliest = label minimum; recommended from the predicted duration; latest from the
    longest duration on the patient's record."""
    product = get_product(session.product, "product")
    area = get_area(session.area, "area")
    minimum = minimum_interval(product, policy)
    allowed = earliest_touch_up(session, history, minimum)
    assert allowed.earliest is not None  # the planned product's own interval always binds
    earliest = allowed.earliest
    observed = observed_durations(session, history)
    days = [o.days for o in observed]
    prior = population_prior(product.code, area.code)
    anchor = prior.days_after(session.on) if prior else (earliest - session.on).days
    predicted = predicted_days(anchor, days, policy.prior_weight)
    recommended = max(earliest, session.on + timedelta(days=predicted))
    latest = max(recommended, session.on + timedelta(days=max(days, default=0)))
    if observed:
        basis = Basis.PERSONAL
    elif prior is not None:
        basis = Basis.POPULATION
    else:
        basis = Basis.LABEL_MINIMUM

    where = f"{area.name.lower()} with {product.brand}"
    parts = [_earliest_text(product, minimum, earliest, allowed)]
    if basis is Basis.PERSONAL:
        parts.append(
            _personal_text(where, days, prior, minimum, product, policy, predicted, recommended)
        )
        if predicted < (earliest - session.on).days:
            parts.append("That is before the earliest date, so the earliest is recommended.")
    elif prior is not None:
        parts.append(
            f"Recommended {recommended.isoformat()}: no duration of yours is on record; the "
            f"population figure for {where} is {prior.cite()}: '{prior.stated}' ({prior.note})."
        )
    else:
        parts.append(
            f"Recommended {recommended.isoformat()}: the clinical reference gives no duration "
            f"of effect for {where} and none of yours is on record, so Bonta falls back to the "
            f"{_minimum_kind(product)} minimum."
        )
    parts.append(_latest_text(latest, recommended, days))
    others = _other_products_reported(session, history)
    if others:
        parts.append(
            f"{others} wear-off date{_s(others)} recorded with other products in this area "
            f"{'is' if others == 1 else 'are'} not used: units and responses are "
            f"product-specific."
        )
    return Window(earliest, recommended, latest, basis, " ".join(parts))


def earliest_touch_up(
    session: SignedSession, history: Iterable[AreaTreatment], minimum: Interval
) -> NextAllowed:
    """The engine's next allowed date for `session`'s product in its area: `minimum` after the
    session, and each earlier product's own label interval after its treatment of an area that
    shares muscles with this one (the engine compares muscles, not area names: a glabellar
    session shares the corrugator and procerus with PREEMPT)."""
    muscles = get_area(session.area, "area").muscles
    earlier = [
        (h.on, h.product)
        for h in history
        if h.area == session.area or not get_area(h.area).muscles.isdisjoint(muscles)
    ]
    return next_allowed(
        get_product(session.product, "product"),
        [*earlier, (session.on, session.product)],
        planned_interval=minimum,
    )


def _earliest_text(
    product: Product, minimum: Interval, earliest: date, allowed: NextAllowed
) -> str:
    bound = allowed.binding
    if bound is not None and bound.product is not product:
        own = (
            f"{product.brand}'s label minimum of {minimum.describe()}"
            if product.retreatment_interval is not None
            else f"the clinic's own minimum of {minimum.describe()} for {product.brand} ("
            f"{minimum.source}; no verified label interval)"
        )
        return (
            f"Earliest {earliest.isoformat()}: {bound.product.brand} was given in shared "
            f"muscles on {bound.earlier_on.isoformat()} and its label interval of "
            f"{bound.interval.describe()} ({bound.interval.source}) ends later than {own} "
            f"after this session: across a brand change the longer interval applies "
            f"(clinical-reference §11.3; {product.brand} after {bound.product.brand})."
        )
    if product.retreatment_interval is not None:
        return (
            f"Earliest {earliest.isoformat()}: the {product.brand} label minimum of "
            f"{minimum.describe()} after this session ({minimum.source})."
        )
    return (
        f"Earliest {earliest.isoformat()}: {product.brand} has no verified label re-treatment "
        f"interval in Bonta's clinical reference, so this is the clinic's own minimum of "
        f"{minimum.describe()} ({minimum.source}), not a label figure."
    )


def _personal_text(
    where: str,
    days: Sequence[int],
    prior: DurationPrior | None,
    minimum: Interval,
    product: Product,
    policy: SchedulingPolicy,
    predicted: int,
    recommended: date,
) -> str:
    n = len(days)
    lasted = f"{min(days)}–{max(days)} days" if min(days) != max(days) else f"{days[0]} days"
    mean = f" (mean {_one_place(shrunk_duration(0, days, 0))})" if n > 1 else ""
    if prior is not None:
        anchor = f"the population figure of {prior.cite()}"
    else:
        anchor = (
            f"the {_minimum_kind(product)} minimum of {minimum.describe()} (the clinical "
            f"reference gives no duration of effect for {where})"
        )
    return (
        f"Recommended {recommended.isoformat()}: your {n} recorded treatment{_s(n)} of {where} "
        f"lasted {lasted}{mean}; weighted with {anchor}, counted as {policy.prior_weight} "
        f"treatment{_s(policy.prior_weight)}, the predicted duration is {predicted} days."
    )


def _latest_text(latest: date, recommended: date, days: Sequence[int]) -> str:
    if latest > recommended:
        return (
            f"Latest {latest.isoformat()}: the longest one of your treatments has lasted "
            f"({max(days)} days)."
        )
    return f"Latest {latest.isoformat()}: no longer duration is on record."


def _other_products_reported(session: SignedSession, history: Iterable[AreaTreatment]) -> int:
    return sum(
        1
        for h in history
        if h.area == session.area and h.product != session.product and h.wore_off_on is not None
    )


def _minimum_kind(product: Product) -> str:
    return "label" if product.retreatment_interval is not None else "clinic's"


def _one_place(value: Fraction) -> str:
    """106, 106.5: a mean for people to read, rounded half up to one decimal place."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return format_units(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _chronological(h: AreaTreatment) -> tuple[date, str, str, Decimal, date]:
    return (h.on, h.product, h.area, h.units, h.wore_off_on or date.min)
