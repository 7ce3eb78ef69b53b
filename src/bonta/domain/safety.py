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

Blocks come in two kinds (`KINDS`, `OVERRIDE_NEEDS`; validated by `bonta.domain.overrides`):
- `hard_stop`: an impossibility or a label contraindication. No override passes; the plan must
  change. Vial overdrawn, of another product, expired, without a lot, not reconstituted or past
  its use-within time; a product not labelled for the pathway; a recorded contraindication
  (hypersensitivity to the toxin or a verified excipient, infection at a planned site).
- `clinical_block`: a label limit a clinician may knowingly exceed for one patient, with a coded
  reason. `cumulative_dose_exceeded` also needs a second clinician's countersignature (the
  largest systemic risk, and the one most often caused by another clinic's records);
  `retreatment_too_soon` and `not_adult` (paediatric use is "not established", not
  contraindicated: §1.1, §2.2) need a reason.

Re-treatment across brands (clinical-reference §11.3): for each earlier record that shares a
muscle with the plan, the planned product's interval and the earlier product's own interval
both apply and the longest wins; a change of brand never resets the clock. Only intervals the
reference rates [P]/[S] block. A [W] interval (Dysport's 90 days) is a lead, not label data: a
session inside it, and inside no verified interval, warns (`recent_treatment_same_area`) and
names the weak source. A product with no interval at all falls back to the 3-month window.

Use-within times (§11.4): verified times block when exceeded. Dysport's sources conflict (4 h on
a pharmacist-reviewed page of an older label, 24 h on shop pages, both [W]): Bonta takes the
conservative 4 h and warns past it (`reconstitution_window_unverified`), never blocks on it;
within it, `reconstitution_window_unknown` says the time is not verified.

Formulations (§11.1): an allergy to an excipient the reference verifies in the product is a
hard stop (`hypersensitivity`). An allergy the reference cannot rule out — the excipient is
listed only by a [W] source, or the product's full list is not verified — warns
(`ingredients_not_in_reference`) and names what is unverified. A verified complete list without
the excipient (Daxxify has no human albumin) raises nothing.

Per-site dosing (§11.5, `off_label_dosing`, warn): an area whose label gives units per site and
a site count is checked against both. Chronic migraine is the PREEMPT fixed-site table (5 U at
each of 31 sites, per muscle as §1.2); extra sites are follow-the-pain only in temporalis,
occipitalis and trapezius and within the trials' 40 U / 8-site ceiling ([W], §1.3).

Other indications (`PastTreatment.indication`, pathway None): they count toward the cumulative
window, and for re-treatment cover only the muscles they name (none named: no muscle).

NICE TA260 at planning (clinical-reference §5; warnings, never blocks: TA260 is commissioning
guidance, not the label). A chronic-migraine plan whose `Snapshot.nice` says the course's latest
continuation verdict is a stop warns `nice_stopping_rule_met` (the rule's reasons, as of the
session date); `review_not_evaluable` warns `nice_review_not_evaluable` (what to review); a
first cycle whose TA260 1.1 initiation criteria are not met, or not shown by the record, warns
`nice_initiation_not_met`. No NICE state (a plan file, a cosmetic plan): nothing is said.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from bonta.domain.anatomy import area_of, areas, areas_by_muscle, muscles, points
from bonta.domain.calendar import Interval, age_on
from bonta.domain.errors import InvalidInput
from bonta.domain.headache.judgement import Judgement
from bonta.domain.headache.nice import Verdict
from bonta.domain.pathways import BlockKind, OverrideNeed, Pathway, Severity
from bonta.domain.plan import Injection, PastTreatment, Snapshot, VialState
from bonta.domain.products import LabelDose, Product, all_products, get_product, products_for
from bonta.domain.protocols import get_protocol
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
    # §11 (2026-12-03): "at least a warning" when an allergy meets an unverified formulation.
    "ingredients_not_in_reference": Severity.WARN,
    # Safety engine v2:
    "off_label_dosing": Severity.WARN,
    "reconstitution_window_unverified": Severity.WARN,
    # NICE TA260 at planning (chronic migraine; the course's state comes in `Snapshot.nice`):
    "nice_stopping_rule_met": Severity.WARN,
    "nice_review_not_evaluable": Severity.WARN,
    "nice_initiation_not_met": Severity.WARN,
}

# The kind of every block (reasons in the module docstring and README's findings table).
KINDS: dict[str, BlockKind] = {
    "product_not_for_pathway": BlockKind.HARD_STOP,
    "hypersensitivity": BlockKind.HARD_STOP,
    "injection_site_infection": BlockKind.HARD_STOP,
    "vial_expired": BlockKind.HARD_STOP,
    "reconstitution_window_exceeded": BlockKind.HARD_STOP,
    "vial_overdrawn": BlockKind.HARD_STOP,
    "lot_missing": BlockKind.HARD_STOP,
    "vial_not_reconstituted": BlockKind.HARD_STOP,
    "vial_product_mismatch": BlockKind.HARD_STOP,
    "cumulative_dose_exceeded": BlockKind.CLINICAL_BLOCK,
    "retreatment_too_soon": BlockKind.CLINICAL_BLOCK,
    "not_adult": BlockKind.CLINICAL_BLOCK,
}

# What an override of each block must carry.
OVERRIDE_NEEDS: dict[str, OverrideNeed] = {
    code: (
        OverrideNeed.NOT_ALLOWED
        if kind is BlockKind.HARD_STOP
        else OverrideNeed.REASON_AND_COUNTERSIGNATURE
        if code == "cumulative_dose_exceeded"
        else OverrideNeed.REASON
    )
    for code, kind in KINDS.items()
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
    kind: BlockKind | None = None  # blocks only: hard_stop or clinical_block

    @property
    def override(self) -> OverrideNeed | None:
        """What an override must carry (blocks only); `not_allowed` for a hard stop."""
        return OVERRIDE_NEEDS.get(self.code) if self.kind is not None else None

    def as_dict(self) -> dict[str, str | None]:
        override = self.override
        return {
            "code": self.code,
            "severity": self.severity.value,
            "kind": None if self.kind is None else self.kind.value,
            "override": None if override is None else override.value,
            "message": self.message,
            "source": self.source,
        }


def finding(code: str, message: str, source: str) -> Finding:
    return Finding(code, CODES[code], message, source, KINDS.get(code))


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


def off_label_dosing(s: Snapshot, product: Product) -> Iterable[Finding]:
    """Units per site and number of sites against the label's for the area (§11.5)."""
    if not product.is_labelled_for(s.plan.pathway):
        return  # product_not_for_pathway already says it
    area_by_muscle = areas_by_muscle(s.plan.pathway)
    by_area: dict[str, list[Injection]] = defaultdict(list)
    for injection in s.plan.injections:
        area = area_by_muscle.get(injection.muscle)
        if area is not None:
            by_area[area].append(injection)
    for area, planned in by_area.items():
        dose = product.indications.get(area)
        if dose is None or dose.units_per_site is None or dose.sites is None:
            continue  # no label dose (area_not_in_label) or no per-site dose in the reference
        if area == "chronic_migraine":
            problems = _preempt_problems(planned, dose)
            source = dose.source + "; " + _preempt_label().source
        else:
            problems = _site_problems(planned, dose)
            source = dose.source
        if problems:
            yield finding(
                "off_label_dosing",
                f"{areas()[area].name}: {'; '.join(problems)}. Off-label dosing: record the "
                f"reason.",
                source,
            )


def _site_problems(planned: list[Injection], dose: LabelDose) -> list[str]:
    per_site = dose.units_per_site
    if len(planned) == dose.sites and all(i.units == per_site for i in planned):
        return []
    return [f"{_sites(planned)}; label: {_sites_of(dose)}"]


@dataclass(frozen=True, slots=True)
class _PreemptLabel:
    sites_by_muscle: dict[str, int]
    extra_muscles: frozenset[str]
    max_extra_units: Decimal
    max_extra_sites: int
    source: str


@cache
def _preempt_label() -> _PreemptLabel:
    """The PREEMPT table per muscle (§1.2) and the follow-the-pain ceiling (§1.3, [W]), read from
    the protocol templates that encode them."""
    fixed = get_protocol("preempt_fixed_site")
    extra = get_protocol("preempt_follow_the_pain")
    table = points()
    assert extra.max_extra_units is not None
    assert extra.max_sites is not None
    return _PreemptLabel(
        sites_by_muscle=dict(Counter(table[p].muscle for p in fixed.points)),
        extra_muscles=extra.extra_muscles,
        max_extra_units=extra.max_extra_units,
        max_extra_sites=extra.max_sites - len(fixed.points),
        source=extra.source,
    )


def _preempt_problems(planned: list[Injection], dose: LabelDose) -> list[str]:
    label = _preempt_label()
    per_site = dose.units_per_site or Decimal(0)
    problems = []
    if any(i.units != per_site for i in planned):
        problems.append(f"{_sites(planned)}; label: {format_units(per_site)} U per site")
    sites = Counter(i.muscle for i in planned)
    units: dict[str, Decimal] = defaultdict(Decimal)
    for i in planned:
        units[i.muscle] += i.units
    extra_sites, extra_units, elsewhere = 0, Decimal(0), []
    for muscle, wanted in label.sites_by_muscle.items():
        have = sites.get(muscle, 0)
        name = muscles()[muscle].name
        if have < wanted:
            problems.append(f"{name.lower()}: {have} of the label's {wanted} sites")
        elif have > wanted and muscle not in label.extra_muscles:
            elsewhere.append(f"{name.lower()} ({have} sites, label {wanted})")
        elif have > wanted:
            extra_sites += have - wanted
            extra_units += units[muscle] - wanted * per_site
    if elsewhere:
        problems.append(
            f"extra sites in {', '.join(elsewhere)}; follow-the-pain goes only into "
            f"{', '.join(sorted(label.extra_muscles))}"
        )
    if extra_sites > label.max_extra_sites or extra_units > label.max_extra_units:
        problems.append(
            f"follow-the-pain: {extra_sites} extra sites, {format_units(extra_units)} U; the "
            f"PREEMPT trials' ceiling is {label.max_extra_sites} sites, "
            f"{format_units(label.max_extra_units)} U (weak source)"
        )
    return problems


def _sites(planned: list[Injection]) -> str:
    """'2 sites × 10 U' or '3 sites × 4 U + 2 sites × 6 U'."""
    counts = Counter(i.units for i in planned)
    return " + ".join(
        f"{n} site{'s' if n != 1 else ''} × {format_units(u)} U" for u, n in sorted(counts.items())
    )


def _sites_of(dose: LabelDose) -> str:
    return (
        f"{dose.sites} sites × {format_units(dose.units_per_site or Decimal(0))} U = "
        f"{format_units(dose.units)} U"
    )


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


@dataclass(frozen=True, slots=True)
class _Clash:
    record: PastTreatment
    binding: Product  # the product whose interval decides
    interval: Interval
    earliest: date  # the first day the planned product may be given again


def retreatment_too_soon(s: Snapshot, product: Product) -> Iterable[Finding]:
    """Per overlapping record, the planned product's and the record's own interval; the
    longest wins, a brand change never resets the clock (§11.3). [W] intervals only warn."""
    if product.retreatment_interval is None:
        yield _interval_unknown(product)
    planned = s.planned_muscles
    pathway = s.plan.pathway
    blocks: list[_Clash] = []
    weak: list[_Clash] = []
    fallback: list[PastTreatment] = []
    for h in s.history:
        if not _overlaps(h, planned, pathway):
            continue
        earlier = _PRODUCTS.get(h.product) or get_product(h.product, "history.product")
        pair = (product,) if earlier is product else (product, earlier)
        clash = _longest_clash(h, s.on, [(p, p.retreatment_interval) for p in pair])
        if clash is not None:
            blocks.append(clash)
            continue
        clash = _longest_clash(h, s.on, [(p, p.weak_retreatment_interval) for p in pair])
        if clash is not None:
            weak.append(clash)
        elif all(
            p.retreatment_interval is None and p.weak_retreatment_interval is None for p in pair
        ) and _too_close(h.on, s.on, OTHER_PRODUCT_WINDOW):
            fallback.append(h)
    if blocks:
        yield _clash_finding("retreatment_too_soon", blocks, planned, product)
    elif weak:
        yield _clash_finding("recent_treatment_same_area", weak, planned, product)
    elif fallback:
        last_on = max(h.on for h in fallback)
        window = OTHER_PRODUCT_WINDOW
        yield finding(
            "recent_treatment_same_area",
            f"An overlapping area was treated on {last_on.isoformat()}, within "
            f"{window.describe()} of this session; the label interval for {product.brand} is "
            f"not in the reference, so Bonta cannot say whether this is too soon.",
            window.source,
        )


def _longest_clash(
    h: PastTreatment, on: date, candidates: list[tuple[Product, Interval | None]]
) -> _Clash | None:
    """Of the intervals that make `h` too close to `on`, the one that ends latest."""
    best: _Clash | None = None
    for p, interval in candidates:
        if interval is None or not _too_close(h.on, on, interval):
            continue
        earliest = interval.after(h.on)
        if best is None or earliest > best.earliest:
            best = _Clash(h, p, interval, earliest)
    return best


def _clash_finding(
    code: str, clashes: list[_Clash], planned: frozenset[str], product: Product
) -> Finding:
    # The clash that ends latest decides; records given the same day are merged into the
    # message, so it does not depend on history order.
    binding = min(
        clashes, key=lambda c: (-c.earliest.toordinal(), c.binding.brand, c.record.product)
    )
    earliest = binding.earliest
    last_on = binding.record.on
    records = [c.record for c in clashes if c.record.on == last_on]
    shared = frozenset().union(
        *(planned if h.muscles is None else planned & h.muscles for h in records)
    )
    names = ", ".join(sorted(muscles()[m].name.lower() for m in shared))
    given = " and ".join(sorted({h.given_for for h in records}))
    earlier_products = sorted({h.product for h in records})
    brands = ", ".join(_brand(c) for c in earlier_products)
    head = f"{names.capitalize()} treated on {last_on.isoformat()} ({given}, {brands}); "
    weak = code == "recent_treatment_same_area"
    if not weak and earlier_products == [product.code]:
        return finding(
            code,
            head + f"{product.brand} may be given "
            f"again from {earliest.isoformat()} ({binding.interval.describe()} after).",
            binding.interval.source,
        )
    involved = [product] + [_PRODUCTS[c] for c in earlier_products if c != product.code]
    intervals = "; ".join(_interval_text(p) for p in involved)
    if weak:
        message = head + (
            f"inside {binding.binding.brand}'s {binding.interval.describe()} "
            f"re-treatment interval, which only weak sources give ([W]); {product.brand} would "
            f"be given before {earliest.isoformat()}. Intervals: {intervals}. Check the current "
            f"label and document the decision."
        )
    else:
        message = head + (
            f"{product.brand} may be given again from {earliest.isoformat()}. Intervals: "
            f"{intervals}; the longest applies ({binding.binding.brand}, "
            f"{binding.interval.describe()}): a change of brand does not reset the clock."
        )
    return finding(
        code,
        message,
        binding.interval.source + "; clinical-reference §11.3 (switching brands does not reset "
        "the clock)",
    )


def _interval_text(p: Product) -> str:
    if p.retreatment_interval is not None:
        return f"{p.brand} {p.retreatment_interval.describe()}"
    if p.weak_retreatment_interval is not None:
        return f"{p.brand} {p.weak_retreatment_interval.describe()} ([W] only)"
    return f"{p.brand} not in the reference"


def _interval_unknown(product: Product) -> Finding:
    weak = product.weak_retreatment_interval
    also = (
        f" (weak sources only give {weak.describe()}: Bonta warns inside it, never blocks)"
        if weak is not None
        else ""
    )
    return finding(
        "retreatment_interval_unknown",
        f"The clinical reference holds no verified re-treatment interval for "
        f"{product.brand}{also}; check the current label.",
        (weak.source + "; " if weak is not None else "")
        + product.source
        + (f"; omitted: {product.omitted}" if product.omitted else ""),
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
        sources = sorted(_factor("allergies", c)["source"] for c in culprits)
        if culprits & product.ingredients and product.formulation_source:
            sources.append(product.formulation_source)
        yield finding(
            "hypersensitivity",
            f"Recorded hypersensitivity: {names}. Contraindicated.",
            "; ".join(sources),
        )


def ingredients_not_in_reference(s: Snapshot, product: Product) -> Iterable[Finding]:
    """An ingredient allergy the reference cannot rule out for this product: the excipient is
    listed only by a weak source, or the product's full list is not verified (§11.1). Never
    silence: "formulation not verified — check the label", as a warning."""
    unresolved = s.patient.allergies - {"botulinum_toxin"} - product.ingredients
    if not unresolved:
        return
    weak = sorted(a for a in unresolved if a in product.weak_ingredients)
    unlisted = [] if product.formulation_complete else sorted(set(unresolved) - set(weak))
    if not weak and not unlisted:
        return  # a verified complete formulation without the excipient
    parts = []
    if weak:
        parts.append(f"only a weak source ([W]) lists {_allergy_names(weak)} in {product.brand}")
    if unlisted:
        listed = (
            "no formulation"
            if not product.ingredients and not product.weak_ingredients
            else "only part of the formulation"
        )
        parts.append(
            f"the reference holds {listed} of {product.brand}, so it cannot rule out "
            f"{_allergy_names(unlisted)}"
        )
    yield finding(
        "ingredients_not_in_reference",
        f"Recorded allergy: {_allergy_names(sorted(unresolved))}. Formulation not verified: "
        f"{'; '.join(parts)}. Check the current label's ingredients before treating.",
        (product.formulation_source or product.source)
        + (f"; omitted: {product.omitted}" if product.omitted else ""),
    )


def _allergy_names(codes: Iterable[str]) -> str:
    return ", ".join(_factor("allergies", c)["name"] for c in codes)


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


# ---- NICE TA260 (chronic migraine) ---------------------------------------------------------

_STOPS = {
    Verdict.STOP_INADEQUATE_RESPONSE: ("inadequate_response", "inadequate response"),
    Verdict.STOP_EPISODIC: ("episodic", "changed to episodic migraine"),
}


def nice_ta260(s: Snapshot, product: Product) -> Iterable[Finding]:
    """The course's NICE TA260 state, as warnings (§5): a stop, a review, unmet initiation."""
    state = s.nice
    if state is None or s.plan.pathway is not Pathway.CHRONIC_MIGRAINE:
        return
    rules = load("headache")["nice_ta260"]
    on = state.as_of.isoformat()
    if state.first_cycle:
        if state.initiation is Judgement.MET:
            return
        shown = "not met" if state.initiation is Judgement.NOT_MET else "not shown by the record"
        yield finding(
            "nice_initiation_not_met",
            f"First cycle: NICE TA260 1.1 start criteria {shown} as of {on}. "
            + "; ".join(state.reasons)
            + ". Record why treatment starts outside the NICE criteria, or complete the record.",
            str(rules["initiation"]["source"]),
        )
        return
    if state.verdict in _STOPS:
        rule, words = _STOPS[state.verdict]
        yield finding(
            "nice_stopping_rule_met",
            f"NICE TA260 1.2 stopping rule met as of {on} ({words}): "
            + "; ".join(state.reasons)
            + ". NICE says treatment should be stopped; record the decision.",
            str(rules[rule]["source"]),
        )
    elif state.verdict is Verdict.REVIEW_NOT_EVALUABLE:
        yield finding(
            "nice_review_not_evaluable",
            f"NICE TA260 1.2 stopping rules are due but the diary cannot decide them as of {on}: "
            + "; ".join(state.review or state.reasons)
            + ". Review before continuing.",
            str(rules["inadequate_response"]["source"]) + "; " + str(rules["episodic"]["source"]),
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
    age = s.plan.at - vial.reconstituted_at
    if window is None:
        weak = product.weak_reconstitution_window
        if weak is not None and age > timedelta(hours=weak.hours):
            yield finding(
                "reconstitution_window_unverified",
                f"{label} was reconstituted {age.total_seconds() / 3600:.1f} h before the "
                f"session, past {weak.hours} h, the shortest use-within time the reference "
                f"gives for {product.brand}; its sources are weak ([W]) or conflict, so Bonta "
                f"warns and does not block. Check the current label.",
                weak.source,
            )
            return
        also = (
            f" (weak or conflicting sources; Bonta warns past {weak.hours} h)"
            if weak is not None
            else ""
        )
        yield finding(
            "reconstitution_window_unknown",
            f"The clinical reference holds no verified use-within time after reconstitution "
            f"for {product.brand}{also}; check the current label.",
            weak.source if weak is not None else product.source,
        )
        return
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
    off_label_dosing,
    area_not_in_label,
    forehead_without_glabellar,
    multiple_products,
    patient_factors,
    pregnancy_or_breastfeeding,
    nice_ta260,
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
_PRODUCTS = all_products()


def _brand(code: str) -> str:
    return get_product(code).brand


def _overlaps(h: PastTreatment, planned: frozenset[str], pathway: Pathway) -> bool:
    if h.muscles is None:
        # Sites unknown: assume the worst on the same pathway. A record of another indication
        # (pathway None) has no pathway to assume it on, so it covers no muscle.
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
