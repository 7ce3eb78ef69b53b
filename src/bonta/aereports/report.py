"""What an adverse-event report can say from Bonta's record, field by field, for two forms.

The forms (field names as on the forms themselves):

- **FDA MedWatch Form FDA 3500** (voluntary reporting by health professionals), sections
  A Patient information (A1 patient identifier, A2 age at time of event or date of birth, A3 sex,
  A4 weight), B Adverse event, product problem (B1 type, B2 outcomes attributed to adverse event,
  B3 date of event, B4 date of this report, B5 describe event, B6 relevant tests/laboratory data,
  B7 other relevant history including preexisting medical conditions), C Product availability,
  D Suspect products (D1 name, strength, manufacturer; D2 dose or amount, frequency, route;
  D3 dates of use; D4 diagnosis or reason for use; D6 lot #, expiration date; D7 event abated
  after use stopped or dose reduced; D8 event reappeared after reintroduction; D9 NDC # or unique
  ID), E Suspect medical device, F Other (concomitant) medical products, G Reporter.
  Sources: FDA, "Instructions for Completing Form FDA 3500",
  https://www.fda.gov/safety/download-forms/instructions-completing-form-fda-3500 (sections A–G);
  the form's field layout, https://omb.report/icr/200810-0910-002 (OMB 0910-0291).
- **MHRA / CHM Yellow Card** (suspected adverse drug reactions): Patient details (initials, sex,
  ethnicity, weight if known, age at time of reaction, identification number), Suspected drug(s)
  (drug, brand if known; batch; route; dosage; date started; date stopped; prescribed for),
  Suspected reaction(s) (description and any treatment given; outcome recovered / recovering /
  continuing / other; date reaction started, stopped; serious yes/no and why), Other drug(s) in
  the last 3 months, Additional relevant information (medical history, test results, allergies,
  rechallenge), Reporter details. Sources: the paper Yellow Card (copy at
  https://www.scribd.com/document/441379923/Yellow-card-pdf) and MHRA "What to include in your
  Yellow Card of an adverse drug reaction" (https://ar.scribd.com/document/377628279).

Nothing is inferred: a field Bonta does not record is `NOT_RECORDED`, and the form says so. The
suspect product is the signed session the event is linked to; an event linked to none names no
product (Bonta does not guess which session caused it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from bonta.domain.anatomy import muscles
from bonta.domain.calendar import age_on
from bonta.domain.pathways import Pathway
from bonta.domain.products import get_product
from bonta.domain.reference import load
from bonta.domain.units import format_units
from bonta.records.models import (
    URGENT_ADVERSE_EVENTS,
    AdverseEvent,
    AdverseEventOutcome,
    AdverseEventSeverity,
    AdverseEventType,
)
from bonta.records.snapshots import local_date

NOT_RECORDED = "not recorded in Bonta"


@dataclass(frozen=True, slots=True)
class SuspectProduct:
    name: str  # brand (nonproprietary)
    strength: str  # the vial sizes used
    dose: str  # total units of the session
    frequency: str
    route: str
    sites: str
    date_of_use: date
    reason_for_use: str  # the pathway (and protocol when one was used)
    lots: str
    expiry: str


@dataclass(frozen=True, slots=True)
class Report:
    """Everything both forms take from the record, already worded; blanks say so."""

    report_id: str
    patient_initials: str
    patient_identifier: str  # the local record number (Yellow Card "identification number")
    birth_date: date
    age_at_event: int
    sex: str
    weight: str
    event_type: str
    description: str
    severity: str
    serious: bool
    seriousness_criteria: str
    urgent: bool
    onset: date
    stopped: str
    outcome_medwatch: str
    outcome_yellow_card: str
    report_date: date
    suspect: SuspectProduct | None
    no_suspect_reason: str
    other_history: str
    concomitant: str
    reporter_name: str
    reporter_address: str
    reporter_phone: str
    recorded_by: str


YELLOW_CARD_OUTCOME = {
    AdverseEventOutcome.RESOLVED: "Recovered",
    AdverseEventOutcome.RESOLVING: "Recovering",
    AdverseEventOutcome.ONGOING: "Continuing",
    AdverseEventOutcome.RESOLVED_WITH_SEQUELAE: "Other: resolved with sequelae",
    AdverseEventOutcome.UNKNOWN: "Other: unknown",
}


def build_report(event: AdverseEvent, *, today: date | None = None) -> Report:
    """`event` with patient, encounter and recorded_by selected."""
    patient = event.patient
    on = today or timezone.localdate()
    outcome = AdverseEventOutcome(event.outcome)
    suspect, reason = _suspect(event)
    urgent = AdverseEventType(event.type) in URGENT_ADVERSE_EVENTS
    severity = AdverseEventSeverity(event.severity).label.lower()
    description = (
        f"{AdverseEventType(event.type).label}, {severity}, onset {event.onset.isoformat()}, "
        "after botulinum toxin type A injection."
    )
    if urgent:
        description += (
            " Bonta flags this type as a possible sign of distant spread of toxin effect"
            " (boxed warning)."
        )
    if event.notes:
        description += f" Clinician's notes: {event.notes}"
    recorder = event.recorded_by
    return Report(
        report_id=str(event.pk),
        patient_initials=_initials(patient.given_name, patient.family_name),
        patient_identifier=patient.record_number,
        birth_date=patient.birth_date,
        age_at_event=age_on(patient.birth_date, event.onset),
        sex=patient.get_sex_display(),
        weight=NOT_RECORDED,
        event_type=AdverseEventType(event.type).label,
        description=description,
        severity=AdverseEventSeverity(event.severity).label,
        serious=event.serious,
        seriousness_criteria=(
            f"serious (the criterion — death, life-threatening, hospitalisation, disability… — "
            f"is {NOT_RECORDED})"
            if event.serious
            else "not serious"
        ),
        urgent=urgent,
        onset=event.onset,
        stopped=NOT_RECORDED,
        outcome_medwatch=outcome.label,
        outcome_yellow_card=YELLOW_CARD_OUTCOME[outcome],
        report_date=on,
        suspect=suspect,
        no_suspect_reason=reason,
        other_history=_factors(patient.conditions, "conditions", "Conditions")
        + _factors(patient.allergies, "allergies", "Allergies"),
        concomitant=_factors(patient.medications, "medications", "Medications") or NOT_RECORDED,
        reporter_name=settings.BONTA_CLINIC_NAME,
        reporter_address=settings.BONTA_CLINIC_ADDRESS or NOT_RECORDED,
        reporter_phone=settings.BONTA_CLINIC_PHONE or NOT_RECORDED,
        recorded_by=(recorder.get_full_name() or recorder.username) + f" ({recorder.role})",
    )


def _initials(given: str, family: str) -> str:
    parts = [*given.split(), *family.split()]
    return "".join(p[0].upper() for p in parts if p)


def _factors(codes: list[str], kind: str, heading: str) -> str:
    if not codes:
        return ""
    names = load("patient_factors")[kind]
    listed = ", ".join(names.get(code, {}).get("name", code) for code in codes)
    return f"{heading}: {listed}. "


def _suspect(event: AdverseEvent) -> tuple[SuspectProduct | None, str]:
    encounter = event.encounter
    if encounter is None:
        return None, "No treatment session is linked to this adverse event in Bonta."
    if not encounter.is_signed:
        return None, "The linked session is not signed: nothing was recorded as given."
    rows = list(encounter.administrations.select_related("vial").order_by("position"))
    if not rows:
        return None, "The linked session records no administration."
    names = muscles()
    per_site: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        per_site[(row.muscle, row.side)] += row.units
    products = sorted({row.product for row in rows})
    unit_systems = {get_product(p).unit_system for p in products}
    total = sum((row.units for row in rows), Decimal(0))
    dose = (
        f"{format_units(total)} U in total ({len(rows)} injection points)"
        if len(unit_systems) == 1
        else "; ".join(
            f"{format_units(sum((r.units for r in rows if r.product == p), Decimal(0)))} U "
            f"{get_product(p).display}"
            for p in products
        )
    )
    pathway = Pathway(encounter.pathway).label
    reason = (
        f"{pathway} ({encounter.protocol.replace('_', ' ')})" if encounter.protocol else pathway
    )
    return (
        SuspectProduct(
            name=", ".join(f"{get_product(p).display}" for p in products),
            strength=", ".join(sorted({f"{format_units(r.vial.size_units)} U vial" for r in rows})),
            dose=dose,
            frequency="single treatment session",
            route="intramuscular injection",
            sites="; ".join(
                f"{names[m].name if m in names else m} ({side}) {format_units(units)} U"
                for (m, side), units in per_site.items()
            ),
            date_of_use=local_date(encounter.at),
            reason_for_use=reason,
            lots=", ".join(sorted({r.lot for r in rows})) or NOT_RECORDED,
            expiry=", ".join(sorted({r.vial.expiry.isoformat() for r in rows})),
        ),
        "",
    )
