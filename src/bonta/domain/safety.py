"""The safety engine: label rules over the patient's whole history, both pathways, all products.

`check(snapshot)` is pure and fast. Each rule below is a small function named after what it
checks and returns its findings; `check` runs them all. The finding codes in `CODES` are a
public contract (API, CLI, stored overrides): never rename one.

How windows are counted (all on local calendar dates, `Snapshot.on`):
- cumulative dose: the label's "N-month interval" is the half-open run of days (t − N calendar
  months, t]. A record exactly N months before t is outside it. Every interval that contains the
  session date is checked, so records dated after the session (entered late) count too.
- re-treatment: the next session in an area may be on `interval.after(previous)` and not
  before: 90 days after 1 January is 1 April; 12 weeks is 84 days; 3 months is calendar months.
- other products: records of another unit system within 3 calendar months either side.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bonta.domain.anatomy import area_of, areas, areas_by_muscle, muscles
from bonta.domain.calendar import Interval, age_on
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway, Severity
from bonta.domain.plan import PastTreatment, Snapshot, VialState
from bonta.domain.products import Product, all_products, get_product, products_for
from bonta.domain.reference import FACTOR_NOUN, load
from bonta.domain.units import format_units

CODES: dict[str, Severity] = {
    "product_not_for_pathway": Severity.BLOCK,
    "cumulative_dose_exceeded": Severity.BLOCK,
    "retreatment_too_soon": Severity.BLOCK,
    "dose_above_label": Severity.WARN,
    "multiple_products": Severity.WARN,
    "forehead_without_glabellar": Severity.WARN,
    "hypersensitivity": Severity.BLOCK,
    "injection_site_infection": Severity.BLOCK,
    "neuromuscular_disorder": Severity.WARN,
    "drug_interaction": Severity.WARN,
    "pregnancy_or_breastfeeding": Severity.WARN,
    "not_adult": Severity.BLOCK,
    "vial_expired": Severity.BLOCK,
    "reconstitution_window_exceeded": Severity.BLOCK,
    "vial_overdrawn": Severity.BLOCK,
    "lot_missing": Severity.BLOCK,
    # Bonta's own additions, same contract:
    "vial_not_reconstituted": Severity.BLOCK,
    "vial_product_mismatch": Severity.BLOCK,
    "area_not_in_label": Severity.WARN,
    "swallowing_or_breathing_disorder": Severity.WARN,
    "cardiovascular_disease": Severity.WARN,
    "vial_size_unlisted": Severity.WARN,
    "recent_treatment_same_area": Severity.WARN,
    "retreatment_interval_unknown": Severity.INFO,
    "reconstitution_window_unknown": Severity.INFO,
    "ingredients_not_in_reference": Severity.INFO,
}

ADULT_AGE = 18  # clinical-reference §1.1 ("18 years or older"), §2.2 (pediatric not established)
OTHER_PRODUCT_WINDOW = Interval(
    3,
    "months",
    "clinical-reference §1.8, label §7 'Other botulinum neurotoxin products' (effect of "
    "different products 'at the same time or within several months of each other is unknown'); "
    "Bonta counts 3 calendar months, the label's own cumulative-dose interval (§1.5)",
)
PREEMPT_TRIAL_MAX_UNITS = Decimal(195)  # clinical-reference §1.3 [W]: 155–195 U in PREEMPT
_ORDER = {Severity.BLOCK: 0, Severity.WARN: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "source": self.source,
        }


def finding(code: str, message: str, source: str) -> Finding:
    return Finding(code, CODES[code], message, source)


Rule = Callable[[Snapshot, Product], Iterable[Finding]]


def check(snapshot: Snapshot) -> list[Finding]:
    """Every finding for this plan, blocks first; pure: reads only the snapshot and label data."""
    product = get_product(snapshot.plan.product, "product")
    found = [f for rule in RULES for f in rule(snapshot, product)]
    return sorted(found, key=lambda f: _ORDER[f.severity])


def has_block(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.BLOCK for f in findings)


# ---- label and pathway ---------------------------------------------------------------------


def product_not_for_pathway(s: Snapshot, product: Product) -> Iterable[Finding]:
    if product.is_labelled_for(s.plan.pathway):
        return
    labelled = ", ".join(p.brand for p in products_for(s.plan.pathway))
    yield finding(
        "product_not_for_pathway",
        f"{product.display} is not labelled for {s.plan.pathway.label.lower()}; "
        f"labelled: {labelled}.",
        "clinical-reference §3 ('Chronic migraine approval'), §2.1; " + product.source,
    )


def not_adult(s: Snapshot, product: Product) -> Iterable[Finding]:
    age = age_on(s.patient.birth_date, s.on)
    if age < ADULT_AGE:
        yield finding(
            "not_adult",
            f"The patient is {age} on {s.on.isoformat()}; labelled use is for adults "
            f"({ADULT_AGE} or older).",
            "clinical-reference §1.1 ('in people 18 years or older', HEADWISE-ISI); "
            "§2.2 (pediatric use not established, MPR-BOTOXC)",
        )


def dose_above_label(s: Snapshot, product: Product) -> Iterable[Finding]:
    for area, units in _units_by_area(s).items():
        dose = product.indications.get(area) if area else None
        if dose is None or units <= dose.units:
            continue
        name = areas()[area].name if area else ""
        message = (
            f"{format_units(units)} U of {product.brand} planned for {name.lower()}; "
            f"the label dose is {format_units(dose.units)} U."
        )
        if area == "chronic_migraine":
            message += (
                " PREEMPT follow-the-pain allowed up to 195 U (weak source): document why."
                if units <= PREEMPT_TRIAL_MAX_UNITS
                else " This is also above 195 U, the most given in the PREEMPT trials."
            )
        yield finding("dose_above_label", message, dose.source)


def area_not_in_label(s: Snapshot, product: Product) -> Iterable[Finding]:
    if not product.is_labelled_for(s.plan.pathway):
        return  # product_not_for_pathway already says it
    for area, units in _units_by_area(s).items():
        if area is not None and area in product.indications:
            continue
        if area is None:
            where = ", ".join(
                sorted(
                    muscles()[i.muscle].name
                    for i in s.plan.injections
                    if area_of(s.plan.pathway, i.muscle) is None
                )
            )
            message = f"{where}: not part of a {s.plan.pathway.label.lower()} treatment area."
        else:
            message = (
                f"{areas()[area].name}: no label dose for {product.brand} "
                f"({format_units(units)} U planned); off-label use, record the reason."
            )
        yield finding("area_not_in_label", message, product.source)


def forehead_without_glabellar(s: Snapshot, product: Product) -> Iterable[Finding]:
    if s.plan.pathway is not Pathway.COSMETIC:
        return
    planned = set(_units_by_area(s))
    if "forehead_lines" in planned and "glabellar_lines" not in planned:
        yield finding(
            "forehead_without_glabellar",
            "Forehead lines are planned without glabellar lines; the label treats forehead "
            "lines together with glabellar lines to minimise brow ptosis.",
            "clinical-reference §2.2 (MPR-BOTOXC, DRUGS-BOTOXC-DOSE)",
        )


# ---- history -------------------------------------------------------------------------------


def cumulative_dose_exceeded(s: Snapshot, product: Product) -> Iterable[Finding]:
    limit = product.cumulative_limit
    if limit is None:
        return
    system = product.unit_system
    same = [h for h in s.history if _unit_system(h) == system]
    planned = s.planned_units
    window = limit.window
    # Every interval (t − window, t] containing the session date: t = the session date, or
    # a later record's date still inside the window.
    ends = [s.on, *sorted({h.on for h in same if s.on < h.on and window.before(h.on) < s.on})]
    worst_total, worst_end, worst_count = Decimal(-1), s.on, 0
    for end in ends:
        start = window.before(end)
        inside = [h for h in same if start < h.on <= end]
        total = sum((h.units for h in inside), Decimal(0))
        if total > worst_total:
            worst_total, worst_end, worst_count = total, end, len(inside)
    if worst_total + planned <= limit.units:
        return
    external = sum(
        1 for h in same if h.source != "local" and window.before(worst_end) < h.on <= worst_end
    )
    extra = f", {external} of them from other clinics" if external else ""
    yield finding(
        "cumulative_dose_exceeded",
        f"{system}: {format_units(worst_total)} U already given in the "
        f"{window.describe()} to {worst_end.isoformat()} ({worst_count} records{extra}) + "
        f"{format_units(planned)} U planned = {format_units(worst_total + planned)} U, above "
        f"the label maximum of {format_units(limit.units)} U in {window.describe()}.",
        limit.source,
    )


def retreatment_too_soon(s: Snapshot, product: Product) -> Iterable[Finding]:
    interval = product.retreatment_interval
    if interval is None:
        yield from _retreatment_unknown(s, product)
        return
    planned = s.planned_muscles
    clashes = [
        h
        for h in s.history
        if _overlaps(h, planned, s.plan.pathway) and _too_close(h.on, s.on, interval)
    ]
    if not clashes:
        return
    # Every clash on the latest date, merged, so the message does not depend on history order.
    last_on = max(h.on for h in clashes)
    latest = [h for h in clashes if h.on == last_on]
    shared = frozenset().union(
        *(planned if h.muscles is None else planned & h.muscles for h in latest)
    )
    names = ", ".join(sorted(muscles()[m].name.lower() for m in shared))
    given = " and ".join(sorted({h.pathway.label.lower() for h in latest}))
    brands = ", ".join(sorted({_brand(h.product) for h in latest}))
    earliest = interval.after(last_on)
    yield finding(
        "retreatment_too_soon",
        f"{names.capitalize()} treated on {last_on.isoformat()} "
        f"({given}, {brands}); {product.brand} may be given "
        f"again from {earliest.isoformat()} ({interval.describe()} after).",
        interval.source,
    )


def _retreatment_unknown(s: Snapshot, product: Product) -> Iterable[Finding]:
    """No verified interval: say so, and warn (never block) about a recent overlapping session,
    without claiming an interval the reference does not give."""
    yield finding(
        "retreatment_interval_unknown",
        f"The clinical reference holds no verified re-treatment interval for "
        f"{product.brand}; check the current label.",
        product.source + (f"; omitted: {product.omitted}" if product.omitted else ""),
    )
    window = OTHER_PRODUCT_WINDOW
    recent = [
        h
        for h in s.history
        if _overlaps(h, s.planned_muscles, s.plan.pathway) and _too_close(h.on, s.on, window)
    ]
    if recent:
        last_on = max(h.on for h in recent)
        yield finding(
            "recent_treatment_same_area",
            f"An overlapping area was treated on {last_on.isoformat()}, within "
            f"{window.describe()} of this session; the label interval for {product.brand} is "
            f"not in the reference, so Bonta cannot say whether this is too soon.",
            window.source,
        )


def multiple_products(s: Snapshot, product: Product) -> Iterable[Finding]:
    window = OTHER_PRODUCT_WINDOW
    start, end = window.before(s.on), window.after(s.on)
    others = sorted(
        {
            h.product
            for h in s.history
            if _unit_system(h) != product.unit_system and start < h.on < end
        }
    )
    if others:
        yield finding(
            "multiple_products",
            f"Another BoNT product ({', '.join(_brand(o) for o in others)}) within "
            f"{window.describe()} of this session. Units are not interchangeable and are never "
            f"summed; excessive weakness may be exacerbated.",
            window.source,
        )


# ---- patient -------------------------------------------------------------------------------


def hypersensitivity(s: Snapshot, product: Product) -> Iterable[Finding]:
    for code in sorted(s.patient.allergies):
        _factor("allergies", code)  # an unknown allergy is an input error, as conditions are
    culprits = s.patient.allergies & ({"botulinum_toxin"} | product.ingredients)
    if culprits:
        names = ", ".join(sorted(_factor("allergies", c)["name"] for c in culprits))
        yield finding(
            "hypersensitivity",
            f"Recorded hypersensitivity: {names}. Contraindicated.",
            "; ".join(sorted(_factor("allergies", c)["source"] for c in culprits)),
        )


def ingredients_not_in_reference(s: Snapshot, product: Product) -> Iterable[Finding]:
    """An ingredient allergy is recorded but this product's formulation is not in the
    reference: the hypersensitivity rule cannot see it, so say so rather than stay silent."""
    ingredient_allergies = s.patient.allergies - {"botulinum_toxin"}
    if ingredient_allergies and not product.ingredients:
        names = ", ".join(sorted(_factor("allergies", c)["name"] for c in ingredient_allergies))
        yield finding(
            "ingredients_not_in_reference",
            f"Recorded allergy: {names}. The formulation of {product.brand} is not in Bonta's "
            f"clinical reference: check the label's ingredients before treating.",
            product.source + (f"; omitted: {product.omitted}" if product.omitted else ""),
        )


def injection_site_infection(s: Snapshot, product: Product) -> Iterable[Finding]:
    infected = s.patient.infection_sites & s.planned_muscles
    if infected:
        names = ", ".join(sorted(muscles()[m].name for m in infected))
        yield finding(
            "injection_site_infection",
            f"Infection recorded at a planned site: {names}. Contraindicated.",
            "clinical-reference §1.6, §2.5 (MEDSCAPE-CI, DRUGS-DIS, MPR-BOTOXC)",
        )


def patient_factors(s: Snapshot, product: Product) -> Iterable[Finding]:
    """Conditions and medications the label warns about, one finding per code."""
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for kind, recorded in (
        ("conditions", s.patient.conditions),
        ("medications", s.patient.medications),
    ):
        for code in sorted(recorded):
            factor = _factor(kind, code)
            only = factor.get("products")
            if only is None or product.code in only:
                grouped[factor["finding"]].append(factor)
    for code, factors in grouped.items():
        names = ", ".join(f["name"] for f in factors)
        yield finding(
            code,
            f"Recorded: {names}. The label warns of increased risk; weigh it and document.",
            "; ".join(dict.fromkeys(f["source"] for f in factors)),
        )


def pregnancy_or_breastfeeding(s: Snapshot, product: Product) -> Iterable[Finding]:
    states = [
        n
        for n, on in (("pregnant", s.patient.pregnant), ("breastfeeding", s.patient.breastfeeding))
        if on
    ]
    if states:
        yield finding(
            "pregnancy_or_breastfeeding",
            f"Recorded {' and '.join(states)}. Bonta's clinical reference holds no label text "
            f"on use in pregnancy or breastfeeding: read the current label before treating.",
            "not in clinical-reference.md (label §8 not retrieved); raised for clinician review",
        )


# ---- vials ---------------------------------------------------------------------------------


def vials(s: Snapshot, product: Product) -> Iterable[Finding]:
    drawn: dict[str, Decimal] = defaultdict(Decimal)
    for index, injection in enumerate(s.plan.injections):
        if injection.vial not in s.plan.vials:
            raise InvalidInput(f"injections[{index}].vial", f"no vial {injection.vial!r} given")
        drawn[injection.vial] += injection.units
    for key in sorted(drawn):
        yield from _vial_findings(s, product, key, s.plan.vials[key], drawn[key])


def _vial_findings(
    s: Snapshot, product: Product, key: str, vial: VialState, planned: Decimal
) -> Iterable[Finding]:
    label = f"Vial {vial.lot.strip() or key}"
    if not vial.lot.strip():
        yield finding(
            "lot_missing",
            f"No lot number recorded for the {_brand(vial.product)} vial; record it before use.",
            "clinical-reference §8.1 (Medicare LCD: the specific product must be recorded); "
            "traceability of a biologic",
        )
    if vial.product != product.code:
        yield finding(
            "vial_product_mismatch",
            f"{label} is {_brand(vial.product)}, but the plan is for {product.brand}.",
            "clinical-reference §3 (units are product-specific)",
        )
    if s.on > vial.expiry:
        yield finding(
            "vial_expired",
            f"{label} expired on {vial.expiry.isoformat()}.",
            "product label (do not use after the expiry date)",
        )
    if vial.size_units not in product.vial_sizes_units and vial.product == product.code:
        sizes = ", ".join(format_units(v) for v in product.vial_sizes_units)
        yield finding(
            "vial_size_unlisted",
            f"{label}: {format_units(vial.size_units)} U is not a {product.brand} vial size "
            f"in the reference ({sizes} U).",
            product.source,
        )
    yield from _reconstitution(s, product, label, vial)
    if vial.units_drawn_before + vial.units_discarded + planned > vial.size_units:
        yield finding(
            "vial_overdrawn",
            f"{label}: {format_units(planned)} U planned but only "
            f"{format_units(max(vial.units_remaining, Decimal(0)))} U of "
            f"{format_units(vial.size_units)} U remain.",
            "vial size (units drawn and discarded cannot exceed it)",
        )


def _reconstitution(
    s: Snapshot, product: Product, label: str, vial: VialState
) -> Iterable[Finding]:
    if vial.reconstituted_at is None or vial.reconstituted_at > s.plan.at:
        yield finding(
            "vial_not_reconstituted",
            f"{label} has no reconstitution recorded before {s.plan.at.isoformat()}.",
            "clinical-reference §1.4, §2.3 (reconstitute with preservative-free 0.9 % saline)",
        )
        return
    window = product.reconstitution_window
    if window is None:
        yield finding(
            "reconstitution_window_unknown",
            f"The clinical reference holds no verified use-within time after reconstitution "
            f"for {product.brand}; check the current label.",
            product.source,
        )
        return
    age = s.plan.at - vial.reconstituted_at
    if age > timedelta(hours=window.hours):
        hours = age.total_seconds() / 3600
        yield finding(
            "reconstitution_window_exceeded",
            f"{label} was reconstituted {hours:.1f} h before the session; {product.brand} must "
            f"be used within {window.hours} h.",
            window.source,
        )


RULES: tuple[Rule, ...] = (
    product_not_for_pathway,
    not_adult,
    hypersensitivity,
    ingredients_not_in_reference,
    injection_site_infection,
    cumulative_dose_exceeded,
    retreatment_too_soon,
    vials,
    dose_above_label,
    area_not_in_label,
    forehead_without_glabellar,
    multiple_products,
    patient_factors,
    pregnancy_or_breastfeeding,
)


# ---- helpers -------------------------------------------------------------------------------


def _units_by_area(s: Snapshot) -> dict[str | None, Decimal]:
    totals: dict[str | None, Decimal] = defaultdict(Decimal)
    area_by_muscle = areas_by_muscle(s.plan.pathway)
    for injection in s.plan.injections:
        totals[area_by_muscle.get(injection.muscle)] += injection.units
    return dict(totals)


def _unit_system(h: PastTreatment) -> str:
    system = _UNIT_SYSTEMS.get(h.product)
    if system is None:
        return get_product(h.product, "history.product").unit_system  # raises: unknown code
    return system


_UNIT_SYSTEMS = {code: p.unit_system for code, p in all_products().items()}


def _brand(code: str) -> str:
    return get_product(code).brand


def _overlaps(h: PastTreatment, planned: frozenset[str], pathway: Pathway) -> bool:
    if h.muscles is None:  # sites unknown: assume the worst on the same pathway
        return h.pathway is pathway
    return not h.muscles.isdisjoint(planned)


def _too_close(previous: date, session: date, interval: Interval) -> bool:
    """Closer than `interval`, either way round (exact calendar arithmetic)."""
    gap = abs((session - previous).days)
    if gap > _longest_days(interval):  # cheap and exact: cannot be inside the interval
        return False
    first, second = sorted((previous, session))
    return second < interval.after(first)


def _longest_days(interval: Interval) -> int:
    """An upper bound in days: a calendar month has at most 31 days."""
    per_unit = {"days": 1, "weeks": 7, "months": 31}[interval.unit]
    return interval.amount * per_unit


def _factor(kind: str, code: str) -> dict[str, str]:
    try:
        factor: dict[str, str] = load("patient_factors")[kind][code]
    except KeyError:
        raise InvalidInput(f"patient.{kind}", f"unknown {FACTOR_NOUN[kind]} {code!r}") from None
    return factor
