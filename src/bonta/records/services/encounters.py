"""Encounters: open, plan, check, sign (the safety-critical write), amend, and audited reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.domain.anatomy import check_side, get_muscle, get_point
from bonta.domain.dilution import volume_ml
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway, Severity, Side
from bonta.domain.plan import Injection, check_plan_size
from bonta.domain.products import get_product
from bonta.domain.protocols import Protocol, expand, get_protocol
from bonta.domain.safety import CODES, Finding, check
from bonta.records.errors import Conflict, SignedEncounterImmutable, SignRefused
from bonta.records.models import (
    Addendum,
    Administration,
    Course,
    CourseStatus,
    Encounter,
    EncounterStatus,
    FindingOverride,
    Patient,
    PlannedInjection,
    Vial,
)
from bonta.records.services._common import (
    CLINICAL_READ,
    CLINICAL_WRITE,
    SIGN,
    aware,
    load,
    positive_units,
    require_role,
    required_text,
)
from bonta.records.services._common import pathway as parse_pathway
from bonta.records.snapshots import (
    PlanSummary,
    build_snapshot,
    local_date,
    planned_rows,
    summarise,
)

# Facts other apps store from a patient's signed history (the recall list's due dates) are
# refreshed by these callbacks, called with the patient's id inside the transaction that changed
# it: sign-off, a wear-off report that movement returned, an imported record. Apps register in
# their AppConfig.ready (`bonta.appointments`), so records imports none of them.
HISTORY_CHANGED: list[Callable[[UUID], None]] = []


def history_changed(patient_id: UUID) -> None:
    """Run the registered callbacks for this patient (in the caller's transaction)."""
    for callback in HISTORY_CHANGED:
        callback(patient_id)


# Preconditions of sign-off kept by other apps: the consent on file for the encounter's pathway
# (`bonta.consent.guard.require_current_consent`, registered by ConsentConfig.ready). Each takes
# (patient id, pathway) and raises InvalidInput naming its field. Sign-off fails closed: with
# none registered it refuses (and system check bonta.records.E001 reports it).
SIGN_OFF_GUARDS: list[Callable[[UUID, str], None]] = []


def require_sign_off_preconditions(patient_id: UUID, pathway: str) -> None:
    """Raise the first refusal of a registered sign-off guard (InvalidInput naming its field)."""
    if not SIGN_OFF_GUARDS:
        raise InvalidInput(
            "consent", "sign-off is unavailable: no consent rule is installed (bonta.consent)"
        )
    for guard in SIGN_OFF_GUARDS:
        guard(patient_id, pathway)


def sign_off_refusal(patient_id: UUID, pathway: str) -> str:
    """Why sign-off would be refused by a precondition ("" when none refuses), for the UI."""
    try:
        require_sign_off_preconditions(patient_id, pathway)
    except InvalidInput as refused:
        return refused.reason
    return ""


@dataclass(frozen=True)
class InjectionInput:
    """One planned injection as an interface gives it; `vial` defaults to the plan's vial."""

    muscle: str
    side: str
    units: Decimal | str | int
    point: str | None = None
    vial: UUID | str | None = None


def open_encounter(
    patient: Patient,
    *,
    by: User,
    pathway: str,
    product: str,
    at: datetime,
    clinician: User | None = None,
    course: Course | None = None,
    protocol: str | None = None,
    injections: Sequence[InjectionInput] = (),
    vial: UUID | str | None = None,
) -> Encounter:
    """Open a draft on one pathway, optionally with its plan, in one transaction.

    Codes are validated here; a product or protocol for the other pathway is not refused
    here but reported by the safety check (product_not_for_pathway), as the label says it.
    """
    require_role(by, CLINICAL_WRITE, "open encounters")
    way = parse_pathway(pathway)
    encounter = Encounter(
        patient=patient,
        pathway=way.value,
        at=aware(at, "at"),
        product=get_product(product, "product").code,
        clinician=clinician or by,
    )
    with transaction.atomic():
        encounter.course = course_for(patient, way, encounter.at, course)
        encounter.save(force_insert=True)
        record(
            "encounter.open",
            actor=by,
            object_type="encounter",
            object_id=encounter.pk,
            patient_id=patient.pk,
            detail={"pathway": way.value, "product": encounter.product},
        )
        if protocol or injections:
            _write_plan(encounter, by, protocol, injections, vial)
    return encounter


def course_for(patient: Patient, way: Pathway, at: datetime, course: Course | None) -> Course:
    """The given course (checked), else the patient's active course on this pathway, else new."""
    if course is not None:
        if course.patient_id != patient.pk or course.pathway != way.value:
            raise InvalidInput("course", "belongs to another patient or pathway")
        return course
    found = Course.objects.filter(
        patient=patient, pathway=way.value, status=CourseStatus.ACTIVE
    ).first()
    return found or Course.objects.create(
        patient=patient, pathway=way.value, started_on=local_date(at)
    )


def plan_treatment(
    encounter: Encounter,
    *,
    by: User,
    protocol: str | None = None,
    injections: Sequence[InjectionInput] = (),
    vial: UUID | str | None = None,
    template: str | None = None,
) -> Encounter:
    """Replace the draft's plan: the protocol's points (from `vial`), then `injections`.

    `template` records, without expanding it, the protocol the given injections were started
    from (a clinician applied it, then edited the points); it cannot go with `protocol`.
    """
    require_role(by, CLINICAL_WRITE, "plan treatments")
    if protocol and template:
        raise InvalidInput("template", "give a protocol to apply or the one started from, not both")
    with transaction.atomic():
        locked = _locked_draft(encounter.pk)
        _write_plan(locked, by, protocol, injections, vial, template)
    return locked


def check_plan(encounter: Encounter, *, by: User) -> list[Finding]:
    """Every safety finding for the plan as it stands, over the patient's whole history."""
    return review_plan(encounter, by=by)[0]


def review_plan(encounter: Encounter, *, by: User) -> tuple[list[Finding], PlanSummary]:
    """The findings plus totals per product and the number of points (for screens and API)."""
    require_role(by, CLINICAL_READ, "check plans")
    with transaction.atomic():
        snapshot = build_snapshot(encounter.pk)
        findings = check(snapshot)
        record(
            "encounter.check",
            actor=by,
            object_type="encounter",
            object_id=encounter.pk,
            patient_id=encounter.patient_id,
            detail={"codes": [f.code for f in findings]},
        )
    return findings, summarise(snapshot)


def sign_encounter(
    encounter: Encounter, by: User, overrides: Mapping[str, str] | None = None
) -> Encounter:
    """Sign off: re-check on fresh history under the patient lock, then write what was given.

    Refuses without a current consent for the encounter's pathway (ConsentRequired, field
    "consent"), and any `block` finding without an override (a clinician's written reason).
    Overrides for codes the check did not raise are ignored. One transaction: either everything (
    overrides, administrations, status, audit) is written or nothing.
    """
    require_role(by, SIGN, "sign encounters or override findings")
    reasons = _override_reasons(overrides or {})
    with transaction.atomic():
        # The patient row is the lock: two sessions for one patient cannot both pass the
        # cumulative-dose check (PostgreSQL FOR UPDATE on patient and encounter in one
        # statement; SQLite's IMMEDIATE BEGIN serialises writers).
        locked = (
            Encounter.objects.select_for_update().select_related("patient").get(pk=encounter.pk)
        )
        if locked.is_signed:
            raise Conflict(
                f"This encounter was already signed at {locked.signed_at:%Y-%m-%d %H:%M} UTC; "
                "nothing was changed."
            )
        # Consent for this pathway, on the current document version (bonta.consent.guard,
        # registered in SIGN_OFF_GUARDS): one query; refused with field "consent" before
        # anything is written.
        require_sign_off_preconditions(locked.patient_id, locked.pathway)
        planned = planned_rows(locked.pk, lock_vials=True)
        snapshot = build_snapshot(locked.pk, encounter=locked, planned=planned)
        if not snapshot.plan.injections:
            raise InvalidInput("injections", "the plan has no injections to sign")
        findings = check(snapshot)
        overridden = _refuse_unoverridden_blocks(findings, reasons)
        now = timezone.now()
        _write_overrides(locked, by, overridden, reasons, now)
        _write_administrations(locked, planned)
        # The draft → signed transition, guarded in SQL: exactly one row moves or none does.
        moved = Encounter.objects.filter(pk=locked.pk, status=EncounterStatus.DRAFT).update(
            status=EncounterStatus.SIGNED, signed_by=by, signed_at=now
        )
        if moved != 1:
            raise Conflict("This encounter was signed by someone else; nothing was changed.")
        locked.status, locked.signed_by, locked.signed_at = EncounterStatus.SIGNED, by, now
        history_changed(locked.patient_id)
        record(
            "encounter.sign",
            actor=by,
            object_type="encounter",
            object_id=locked.pk,
            patient_id=locked.patient_id,
            detail={"codes": [f.code for f in findings], "override_codes": overridden},
        )
    return locked


def amend_encounter(encounter: Encounter, *, by: User, reason: str, text: str) -> Addendum:
    """Add an addendum to a signed encounter: the only way to correct one."""
    require_role(by, CLINICAL_WRITE, "amend encounters")
    reason = required_text(reason, "reason", 200)
    text = required_text(text, "text", multiline=True)
    with transaction.atomic():
        locked = Encounter.objects.select_for_update().get(pk=encounter.pk)
        if not locked.is_signed:
            raise Conflict(
                "This encounter is a draft: change its plan instead of adding an addendum."
            )
        addendum = Addendum.objects.create(
            encounter=locked, author=by, at=timezone.now(), reason=reason, text=text
        )
        record(
            "encounter.amend",
            actor=by,
            object_type="addendum",
            object_id=addendum.pk,
            patient_id=locked.patient_id,
            detail={"encounter_id": str(locked.pk)},
        )
    return addendum


def get_encounter(encounter_id: UUID | str, *, by: User) -> Encounter:
    """One encounter with its plan, administrations, overrides and addenda; the read is audited."""
    require_role(by, CLINICAL_READ, "view encounters")
    with transaction.atomic():
        encounter = load(Encounter, encounter_id, "encounter")
        encounter = Encounter.objects.prefetch_related(
            "plan", "administrations", "overrides", "addenda"
        ).get(pk=encounter.pk)
        record(
            "encounter.read",
            actor=by,
            object_type="encounter",
            object_id=encounter.pk,
            patient_id=encounter.patient_id,
        )
    return encounter


# ---- helpers -------------------------------------------------------------------------------


def _locked_draft(encounter_id: UUID) -> Encounter:
    locked = Encounter.objects.select_for_update().get(pk=encounter_id)
    if locked.is_signed:
        raise SignedEncounterImmutable()
    return locked


def _write_plan(
    encounter: Encounter,
    by: User,
    protocol: str | None,
    injections: Sequence[InjectionInput],
    vial: UUID | str | None,
    template: str | None = None,
) -> None:
    check_plan_size(len(injections))  # before any work on a huge list
    if template:
        _same_pathway(encounter, get_protocol(template, "template"), "template")
    vials = _vials_by_id([vial, *(i.vial for i in injections)])
    default_vial = vials.get(_vial_key(vial) or "")
    if vial and default_vial is None:
        raise InvalidInput("vial_id", "unknown vial")
    rows = [*_protocol_rows(encounter, protocol, default_vial)]
    rows += [
        _injection_row(encounter, i, inj, vials, default_vial) for i, inj in enumerate(injections)
    ]
    check_plan_size(len(rows))  # with the protocol's points
    for position, row in enumerate(rows):
        row.position = position
    PlannedInjection.objects.filter(encounter=encounter).delete()
    PlannedInjection.objects.bulk_create(rows)  # the draft is locked and checked above
    recorded = protocol or template or ""
    if encounter.protocol != recorded:  # unchanged on most edits: no UPDATE needed
        encounter.protocol = recorded
        encounter.save(update_fields=["protocol"])
    record(
        "encounter.plan",
        actor=by,
        object_type="encounter",
        object_id=encounter.pk,
        patient_id=encounter.patient_id,
        detail={"protocol": encounter.protocol, "count": len(rows)},
    )


def _vials_by_id(ids: Iterable[UUID | str | None]) -> dict[str, Vial]:
    """The vials named (by canonical id string); ids not found are simply absent."""
    wanted = {key for key in map(_vial_key, ids) if key and _is_uuid(key)}
    return {str(v.pk): v for v in Vial.objects.filter(pk__in=wanted)}


def _is_uuid(key: str) -> bool:
    try:
        UUID(key)
    except ValueError:
        return False  # a malformed id names no vial: reported as unknown by field, not queried
    return True


def _vial_key(value: UUID | str | None) -> str | None:
    if not value:
        return None
    try:
        return str(UUID(str(value)))
    except ValueError:
        return str(value)  # never matches a vial: reported as unknown by field


def _protocol_rows(
    encounter: Encounter, protocol: str | None, vial: Vial | None
) -> list[PlannedInjection]:
    if not protocol:
        return []
    template = get_protocol(protocol, "protocol")
    _same_pathway(encounter, template, "protocol")
    if vial is None:
        raise InvalidInput("vial_id", "choose the vial the protocol's points are drawn from")
    return [
        _row(encounter, injection, vial)
        for injection in expand(template, encounter.product, vial=str(vial.pk))
    ]


def _same_pathway(encounter: Encounter, template: Protocol, field: str) -> None:
    if template.pathway.value != encounter.pathway:
        # Pathways never share a protocol (DESIGN §3): refuse rather than leave it to a finding.
        raise InvalidInput(field, f"{template.code} is a {template.pathway.label.lower()} protocol")


def _injection_row(
    encounter: Encounter,
    index: int,
    given: InjectionInput,
    vials: Mapping[str, Vial],
    default_vial: Vial | None,
) -> PlannedInjection:
    field = f"injections[{index}]"
    muscle = get_muscle(str(given.muscle), f"{field}.muscle")
    try:
        side = Side(given.side)
    except ValueError:
        raise InvalidInput(
            f"{field}.side", f"unknown side {given.side!r} (left, right, midline)"
        ) from None
    check_side(muscle, side, f"{field}.side")
    units = positive_units(given.units, f"{field}.units")
    if given.point:
        point = get_point(given.point, f"{field}.point")
        if point.muscle != muscle.code or point.side is not side:
            raise InvalidInput(f"{field}.point", f"{point.code} is not on {muscle.code} {side}")
    vial = vials.get(_vial_key(given.vial) or "") if given.vial else default_vial
    if vial is None:
        problem = "unknown vial" if given.vial else "choose a vial"
        raise InvalidInput(f"{field}.vial_id", problem)
    injection = Injection(muscle.code, side, units, given.point or None, str(vial.pk))
    return _row(encounter, injection, vial)


def _row(encounter: Encounter, injection: Injection, vial: Vial) -> PlannedInjection:
    return PlannedInjection(
        encounter=encounter,
        position=0,
        muscle=injection.muscle,
        side=injection.side.value,
        units=injection.units,
        point=injection.point or "",
        vial=vial,
    )


def _override_reasons(overrides: Mapping[str, str]) -> dict[str, str]:
    reasons = {}
    for code, reason in overrides.items():
        if code not in CODES:
            raise InvalidInput(f"overrides.{code}", "unknown finding code")
        reasons[code] = required_text(reason, f"overrides.{code}", multiline=True)
    return reasons


def _refuse_unoverridden_blocks(findings: list[Finding], reasons: Mapping[str, str]) -> list[str]:
    blocks = [f for f in findings if f.severity is Severity.BLOCK]
    missing = [f for f in blocks if f.code not in reasons]
    if missing:
        codes = ", ".join(sorted({f.code for f in missing}))
        raise SignRefused(
            f"Sign-off refused: blocking findings need a clinician's written override ({codes}).",
            missing,
        )
    return sorted({f.code for f in blocks})


def _write_overrides(
    encounter: Encounter, by: User, codes: list[str], reasons: Mapping[str, str], at: datetime
) -> None:
    for code in codes:
        override = FindingOverride.objects.create(
            encounter=encounter, code=code, reason=reasons[code], clinician=by, at=at
        )
        record(
            "finding.override",
            actor=by,
            object_type="finding_override",
            object_id=override.pk,
            patient_id=encounter.patient_id,
            detail={"codes": [code], "encounter_id": str(encounter.pk)},
        )


def _write_administrations(encounter: Encounter, planned: Sequence[PlannedInjection]) -> None:
    Administration.objects.bulk_create(
        Administration(
            encounter=encounter,
            position=row.position,
            product=encounter.product,
            muscle=row.muscle,
            side=row.side,
            point=row.point,
            units=row.units,
            volume_ml=_volume(row.units, row.vial),
            vial=row.vial,
            lot=row.vial.lot,
        )
        for row in planned
    )


def _volume(units: Decimal, vial: Vial) -> Decimal | None:
    if vial.diluent_ml is None:
        return None  # not reconstituted (overridden): no volume to derive, none guessed
    return volume_ml(units, vial.size_units, vial.diluent_ml)
