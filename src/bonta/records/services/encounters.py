"""Encounters: open, plan, check, sign (the safety-critical write), amend, and audited reads."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from django.db import models, transaction
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import audited_read, record
from bonta.db.prepared import Statement, field_of
from bonta.domain.anatomy import check_side, get_muscle, get_point
from bonta.domain.dilution import volume_ml
from bonta.domain.errors import InvalidInput
from bonta.domain.overrides import REASONS, OverrideRequest, override_need, validate_overrides
from bonta.domain.pathways import BlockKind, OverrideNeed, Pathway, Side
from bonta.domain.plan import Injection, check_plan_size
from bonta.domain.products import get_product
from bonta.domain.protocols import Protocol, expand, get_protocol
from bonta.domain.safety import Finding, check
from bonta.records.errors import Conflict, NotFound, SignedEncounterImmutable, SignRefused
from bonta.records.models import (
    Addendum,
    Administration,
    CountersignatureRequest,
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

# Facts other apps store from a patient's signed history (the recall list's due dates) follow
# it through these callbacks, called with the patient's id inside the transaction that changed
# it: sign-off, a wear-off report that movement returned, an imported record. A callback does
# only what must be atomic with the change (bonta.appointments marks the patient stale, one
# upsert) and defers the recomputation to after commit (`transaction.on_commit`), so the
# patient lock is not held while derived tables are rebuilt. Apps register in their
# AppConfig.ready (`bonta.appointments`), so records imports none of them.
HISTORY_CHANGED: list[Callable[[UUID], None]] = []


def history_changed(patient_id: UUID) -> None:
    """Run the registered callbacks for this patient (in the caller's transaction)."""
    for callback in HISTORY_CHANGED:
        callback(patient_id)


# Preconditions of sign-off kept by other apps: the consent on file for the encounter's pathway,
# covering the products its plan uses (`bonta.consent.guard.require_current_consent`, registered
# by ConsentConfig.ready). Each takes (patient id, pathway, the plan's product codes) and raises
# InvalidInput naming its field. Sign-off fails closed: with none registered it refuses (and
# system check bonta.records.E001 reports it).
SIGN_OFF_GUARDS: list[Callable[[UUID, str, frozenset[str]], None]] = []


_PLAN_VIAL_PRODUCTS: Statement[str] = Statement(
    lambda encounter_id: PlannedInjection.objects.filter(encounter_id=encounter_id).values_list(
        "vial__product", flat=True
    ),
    encounter_id=field_of(PlannedInjection, "encounter"),
)


def plan_products(encounter: Encounter) -> frozenset[str]:
    """The products an encounter's plan uses: its product and each planned vial's (one query)."""
    vials = _PLAN_VIAL_PRODUCTS.run(encounter_id=encounter.pk)
    return frozenset({encounter.product, *(p for p in vials if p)} - {""})


def require_sign_off_preconditions(
    patient_id: UUID, pathway: str, products: frozenset[str] = frozenset()
) -> None:
    """Raise the first refusal of a registered sign-off guard (InvalidInput naming its field)."""
    if not SIGN_OFF_GUARDS:
        raise InvalidInput(
            "consent", "sign-off is unavailable: no consent rule is installed (bonta.consent)"
        )
    for guard in SIGN_OFF_GUARDS:
        guard(patient_id, pathway, products)


def sign_off_refusal(encounter: Encounter) -> str:
    """Why sign-off of this encounter would be refused by a precondition ("" when none refuses),
    for the UI."""
    try:
        require_sign_off_preconditions(
            encounter.patient_id, encounter.pathway, plan_products(encounter)
        )
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
    as_read: bool = False,
) -> Encounter:
    """Open a draft on one pathway, optionally with its plan, in one transaction.

    `as_read`: the returned encounter holds its plan (and no administrations, overrides or
    addenda) as if prefetched, from the rows just written: for a caller that shows it at once
    (the API's response), not one that goes on to change it (those caches would go stale).

    Codes are validated here; a product or protocol for the other pathway is not refused
    here but reported by the safety check (product_not_for_pathway), as the label says it.
    """
    require_role(by, CLINICAL_WRITE, "open encounters")
    way = parse_pathway(pathway)
    encounter = Encounter(
        patient=patient,
        pathway=way.value,
        at=aware(at, "at").astimezone(UTC),  # as the database gives it back
        product=get_product(product, "product").code,
        clinician=clinician or by,
        protocol=protocol or "",  # _write_plan checks it; a refusal rolls the INSERT back
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
        plan = (
            _write_plan(encounter, by, protocol, injections, vial, new=True)
            if protocol or injections
            else []
        )
    if as_read:
        _known_rows(encounter, plan=plan, administrations=[], overrides=[], addenda=[])
    return encounter


_ACTIVE_COURSE: Statement[Course] = Statement(
    lambda patient_id, pathway: Course.objects.filter(
        patient_id=patient_id, pathway=pathway, status=CourseStatus.ACTIVE
    ).order_by("pk")[:1],
    patient_id=field_of(Course, "patient"),
    pathway=field_of(Course, "pathway"),
)


def course_for(patient: Patient, way: Pathway, at: datetime, course: Course | None) -> Course:
    """The given course (checked), else the patient's active course on this pathway, else new."""
    if course is not None:
        if course.patient_id != patient.pk or course.pathway != way.value:
            raise InvalidInput("course", "belongs to another patient or pathway")
        return course
    active = _ACTIVE_COURSE.run(patient_id=patient.pk, pathway=way.value)
    found = active[0] if active else None
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


@dataclass(frozen=True)
class OverrideInput:
    """One clinician's override of one clinical block, as an interface gives it.

    `reason` is a `bonta.domain.overrides.REASONS` code, `note` the clinician's own words (both
    required). There is no countersigner here: a countersignature is the second clinician's own
    act (`countersign_encounter`, signed in as themselves), never a name the first one types.
    """

    finding: str
    reason: str
    note: str = ""


def sign_encounter(
    encounter: Encounter, by: User, overrides: Sequence[OverrideInput] = ()
) -> Encounter:
    """Sign off: re-check on fresh history under the patient lock, then write what was given.

    Refuses without a current consent for the encounter's pathway (field "consent"); refuses a
    hard stop whatever is sent (fix the record or change the plan); refuses a clinical block
    without an override carrying a coded reason and a note (`overrides[i].reason`, `.note`),
    and an override the domain rejects (`bonta.domain.overrides.validate_overrides`: unknown
    code, not raised, twice, reason that does not apply). A block that needs a countersignature
    (`cumulative_dose_exceeded`) cannot be signed here: `request_countersignature` first. One
    transaction: either everything (overrides, administrations, status, audit) is written or
    nothing.
    """
    require_role(by, SIGN, "sign encounters or override findings")
    given = _override_shapes(overrides)
    with transaction.atomic():
        locked = _lock_for_sign_off(encounter)
        planned, findings = _fresh_check(locked)
        passed = _validated_overrides(findings, given, signer=by, countersigner=None)
        _complete_sign_off(locked, planned, findings, passed, signer=by, actor=by)
    return locked


def request_countersignature(
    encounter: Encounter, *, by: User, overrides: Sequence[OverrideInput]
) -> CountersignatureRequest:
    """Sign the overrides of a plan whose blocks need a second clinician, and wait for one.

    Everything sign-off checks is checked now (consent, a fresh safety check, every block
    overridden with a coded reason and a note); at least one override must need a
    countersignature. Nothing is signed: a different clinician countersigns
    (`countersign_encounter`) and the encounter is signed then. A new request replaces a
    pending one; any change to the plan withdraws it.
    """
    require_role(by, SIGN, "sign encounters or override findings")
    given = _override_shapes(overrides)
    with transaction.atomic():
        locked = _lock_for_sign_off(encounter)
        planned, findings = _fresh_check(locked)
        passed = _validated_overrides(findings, given, signer=by, countersigner=_PENDING)
        if not any(override_need(o.finding) is _NEEDS_SECOND for o in passed):
            raise InvalidInput(
                "overrides", "no override here needs a countersignature: sign off instead"
            )
        CountersignatureRequest.objects.filter(encounter=locked).delete()
        pending = CountersignatureRequest.objects.create(
            encounter=locked,
            requested_by=by,
            requested_at=timezone.now(),
            plan_fingerprint=plan_fingerprint(planned),
            overrides=[{"finding": o.finding, "reason": o.reason, "note": o.note} for o in passed],
        )
        record(
            "encounter.countersignature_request",
            actor=by,
            object_type="encounter",
            object_id=locked.pk,
            patient_id=locked.patient_id,
            detail={"override_codes": sorted(o.finding for o in passed)},
        )
    return pending


def countersign_encounter(encounter: Encounter, *, by: User) -> Encounter:
    """The second clinician countersigns a pending request, and the encounter is signed.

    `by` is the countersigner, signed in as themselves (their session or API token is the
    attestation); they must hold the sign role and not be the clinician who requested it
    (field "countersigner"). The plan must be the one the request was made for, the requester
    must still be able to sign, and a fresh check under the patient lock must still pass with
    the requested overrides. The encounter is signed by the requester; each override row names
    both clinicians.
    """
    require_role(by, SIGN, "countersign overrides")
    with transaction.atomic():
        locked = _lock_for_sign_off(encounter)
        pending = (
            CountersignatureRequest.objects.select_related("requested_by")
            .filter(encounter=locked)
            .first()
        )
        if pending is None:
            raise Conflict("No countersignature is pending for this encounter; nothing changed.")
        signer = pending.requested_by
        if signer.pk == by.pk:
            raise InvalidInput(
                "countersigner",
                "must be a second clinician, not the one who requested the countersignature",
            )
        if not signer.is_active or signer.role not in SIGN:
            raise Conflict(f"{signer.username} can no longer sign: the request must be made again.")
        planned, findings = _fresh_check(locked)
        if plan_fingerprint(planned) != pending.plan_fingerprint:
            raise Conflict("The plan changed after the request: it must be requested again.")
        given = [OverrideInput(**o) for o in pending.overrides]
        passed = _validated_overrides(findings, given, signer=signer, countersigner=by)
        pending.delete()
        _complete_sign_off(
            locked, planned, findings, passed, signer=signer, actor=by, countersigner=by
        )
    return locked


def withdraw_countersignature_request(encounter: Encounter, *, by: User) -> None:
    """Withdraw a pending request (the clinician changed their mind; nothing was signed)."""
    require_role(by, SIGN, "withdraw countersignature requests")
    with transaction.atomic():
        locked = _locked_draft(encounter.pk)
        removed, _ = CountersignatureRequest.objects.filter(encounter=locked).delete()
        if not removed:
            raise Conflict("No countersignature is pending for this encounter; nothing changed.")
        record(
            "encounter.countersignature_withdraw",
            actor=by,
            object_type="encounter",
            object_id=locked.pk,
            patient_id=locked.patient_id,
            detail={"status": "withdrawn"},
        )


def pending_countersignature(encounter: Encounter) -> CountersignatureRequest | None:
    """The draft's pending countersignature request, if any (for the workspace)."""
    found = _PENDING_COUNTERSIGNATURE.run(encounter_id=encounter.pk)
    return found[0] if found else None


_PENDING_COUNTERSIGNATURE: Statement[CountersignatureRequest] = Statement(
    lambda encounter_id: (
        CountersignatureRequest.objects.select_related("requested_by")
        .filter(encounter_id=encounter_id)
        .order_by("pk")[:1]
    ),
    encounter_id=field_of(CountersignatureRequest, "encounter"),
)


def plan_fingerprint(planned: Sequence[PlannedInjection]) -> str:
    """Identifies a stored plan: its points, muscles, sides, units and vials, in order."""
    text = "|".join(f"{p.point}:{p.muscle}:{p.side}:{p.units}:{p.vial_id}" for p in planned)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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
    with audited_read():
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


_LOCK_DRAFT: Statement[Encounter] = Statement(
    lambda encounter_id: Encounter.objects.select_for_update().filter(pk=encounter_id)[:1],
    encounter_id=field_of(Encounter, "id"),
)


def _locked_draft(encounter_id: UUID) -> Encounter:
    found = _LOCK_DRAFT.run(encounter_id=encounter_id)
    if not found:
        raise Encounter.DoesNotExist("Encounter matching query does not exist.")
    locked = found[0]
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
    new: bool = False,
) -> list[PlannedInjection]:
    """Replace the draft's plan; the rows written, in order, as a read gives them back.

    `new`: the draft was inserted in this transaction, so it has no plan rows and no
    countersignature request to remove.
    """
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
        row.units = _stored_decimal(PlannedInjection, "units", row.units)
    if not new:
        PlannedInjection.objects.filter(encounter=encounter).delete()
    PlannedInjection.objects.bulk_create(rows)  # the draft is locked and checked above
    if not new:
        _withdraw_on_plan_change(encounter, by)
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
    return rows


def _withdraw_on_plan_change(encounter: Encounter, by: User) -> None:
    """A countersignature request is for one plan: any change to the plan withdraws it."""
    removed, _ = CountersignatureRequest.objects.filter(encounter=encounter).delete()
    if removed:
        record(
            "encounter.countersignature_withdraw",
            actor=by,
            object_type="encounter",
            object_id=encounter.pk,
            patient_id=encounter.patient_id,
            detail={"status": "withdrawn_plan_changed"},
        )


def _vials_by_id(ids: Iterable[UUID | str | None]) -> dict[str, Vial]:
    """The vials named (by canonical id string); ids not found are simply absent."""
    wanted = {key for key in map(_vial_key, ids) if key and _is_uuid(key)}
    if len(wanted) == 1:  # the usual plan: one vial (compiled once)
        return {str(v.pk): v for v in _VIAL.run(vial_id=next(iter(wanted)))}
    return {str(v.pk): v for v in Vial.objects.filter(pk__in=wanted)}


_VIAL: Statement[Vial] = Statement(
    lambda vial_id: Vial.objects.filter(pk=vial_id), vial_id=field_of(Vial, "id")
)


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


# The countersigner stand-in while a request waits: any id but the signer's passes the
# domain's check; the real countersigner is checked when they countersign.
_PENDING = "pending-second-clinician"
_NEEDS_SECOND = OverrideNeed.REASON_AND_COUNTERSIGNATURE
NOTE_MAX = 2000


def _override_shapes(overrides: Sequence[OverrideInput]) -> list[OverrideInput]:
    """Refuse what needs no check to refuse (before any lock): a reason code or note missing."""
    shaped = []
    for i, given in enumerate(overrides):
        field = f"overrides[{i}]"
        finding = str(given.finding or "").strip()
        if not finding:
            raise InvalidInput(f"{field}.finding", "is required")
        reason = str(given.reason or "").strip()
        if not reason:
            known = ", ".join(REASONS)
            raise InvalidInput(f"{field}.reason", f"choose a coded reason ({known})")
        shaped.append(OverrideInput(finding, reason, str(given.note or "").strip()))
    return shaped


_LOCK_ENCOUNTER: Statement[Encounter] = Statement(
    lambda encounter_id: (
        Encounter.objects.select_for_update().select_related("patient").filter(pk=encounter_id)[:1]
    ),
    encounter_id=field_of(Encounter, "id"),
)


def _lock_for_sign_off(encounter: Encounter) -> Encounter:
    """The draft, locked with its patient; refused when already signed or without consent."""
    # The patient row is the lock: two sessions for one patient cannot both pass the
    # cumulative-dose check (PostgreSQL FOR UPDATE on patient and encounter in one
    # statement; SQLite's IMMEDIATE BEGIN serialises writers).
    # `encounter` may be just a primary key (the API passes `Encounter(pk=id)`): this read is
    # the one that finds it.
    found = _LOCK_ENCOUNTER.run(encounter_id=encounter.pk)
    if not found:
        raise NotFound("No such encounter.")
    locked = found[0]
    if locked.is_signed:
        raise Conflict(
            f"This encounter was already signed at {locked.signed_at:%Y-%m-%d %H:%M} UTC; "
            "nothing was changed."
        )
    # Consent for this pathway covering each product the plan uses, on the current document
    # version (bonta.consent.guard, registered in SIGN_OFF_GUARDS): two queries (the plan's
    # products, the consents); refused with field "consent" before anything is written.
    require_sign_off_preconditions(locked.patient_id, locked.pathway, plan_products(locked))
    return locked


def _fresh_check(locked: Encounter) -> tuple[list[PlannedInjection], list[Finding]]:
    planned = planned_rows(locked.pk, lock_vials=True)
    snapshot = build_snapshot(locked.pk, encounter=locked, planned=planned)
    if not snapshot.plan.injections:
        raise InvalidInput("injections", "the plan has no injections to sign")
    return planned, check(snapshot)


def _validated_overrides(
    findings: list[Finding],
    given: Sequence[OverrideInput],
    *,
    signer: User,
    countersigner: User | str | None,
) -> list[OverrideInput]:
    """The overrides, accepted by the domain's rules, with every block overridden; else raise.

    InvalidInput names `overrides[i].<field>`; SignRefused lists the blocks left: hard stops
    (fix the record or change the plan) and clinical blocks without an override.
    """
    other = countersigner.pk if isinstance(countersigner, User) else countersigner
    requests = [
        OverrideRequest(
            o.finding,
            o.reason,
            signer=str(signer.pk),
            note=o.note,
            countersigner=None if other is None else str(other),
        )
        for o in given
    ]
    try:
        left = validate_overrides(findings, requests)
    except InvalidInput as refused:
        if refused.field.endswith(".countersigner") and countersigner is None:
            raise InvalidInput(
                refused.field,
                f"{refused.reason}: request one (in the workspace, 'Sign and request "
                "countersignature'; API POST /api/encounters/{id}/countersignature-request); "
                "a second clinician, signed in as themselves, countersigns",
            ) from None
        raise
    for i, o in enumerate(given):
        if not o.note:
            raise InvalidInput(f"overrides[{i}].note", "write the clinician's reason in words")
        # within NOTE_MAX, no control characters (line breaks and tabs are fine)
        required_text(o.note, f"overrides[{i}].note", NOTE_MAX, multiline=True)
    if left:
        raise SignRefused(_refusal(left), left)
    return list(given)


def _refusal(left: Sequence[Finding]) -> str:
    hard = sorted({f.code for f in left if f.kind is BlockKind.HARD_STOP})
    clinical = sorted({f.code for f in left if f.kind is BlockKind.CLINICAL_BLOCK})
    parts = []
    if hard:
        parts.append(
            f"hard stops cannot be overridden: fix the record or change the plan "
            f"({', '.join(hard)})"
        )
    if clinical:
        parts.append(
            f"clinical blocks need a coded reason and a written note ({', '.join(clinical)})"
        )
    return "Sign-off refused: " + "; ".join(parts) + "."


def _complete_sign_off(
    locked: Encounter,
    planned: Sequence[PlannedInjection],
    findings: list[Finding],
    passed: Sequence[OverrideInput],
    *,
    signer: User,
    actor: User,
    countersigner: User | None = None,
) -> None:
    now = timezone.now()
    overrides = _write_overrides(locked, actor, passed, signer, countersigner, now)
    administrations = _write_administrations(locked, planned)
    # The draft → signed transition, guarded in SQL: exactly one row moves or none does.
    moved = Encounter.objects.filter(pk=locked.pk, status=EncounterStatus.DRAFT).update(
        status=EncounterStatus.SIGNED, signed_by=signer, signed_at=now
    )
    if moved != 1:
        raise Conflict("This encounter was signed by someone else; nothing was changed.")
    locked.status, locked.signed_by, locked.signed_at = EncounterStatus.SIGNED, signer, now
    # The signed encounter as a fresh read gives it, from the rows just written (no re-read:
    # the API's sign response): plan, administrations, overrides; a draft has no addenda.
    _known_rows(
        locked, plan=planned, administrations=administrations, overrides=overrides, addenda=[]
    )
    history_changed(locked.patient_id)
    detail: dict[str, object] = {
        "codes": [f.code for f in findings],
        "override_codes": sorted(o.finding for o in passed),
    }
    if countersigner is not None:
        detail["signer_id"] = str(signer.pk)
        detail["countersigner_id"] = str(countersigner.pk)
    record(
        "encounter.sign",
        actor=actor,
        object_type="encounter",
        object_id=locked.pk,
        patient_id=locked.patient_id,
        detail=detail,
    )


def _write_overrides(
    encounter: Encounter,
    actor: User,
    passed: Sequence[OverrideInput],
    signer: User,
    countersigner: User | None,
    at: datetime,
) -> list[FindingOverride]:
    written = []
    for given in passed:
        # Every column in this one INSERT: an override row is never updated afterwards.
        override = FindingOverride.objects.create(
            encounter=encounter,
            code=given.finding,
            reason_code=given.reason,
            reason=given.note,
            clinician=signer,
            countersigner=countersigner,
            at=at,
        )
        written.append(override)
        detail: dict[str, object] = {
            "codes": [given.finding],
            "reason_code": given.reason,
            "encounter_id": str(encounter.pk),
        }
        if countersigner is not None:
            detail["countersigner_id"] = str(countersigner.pk)
        record(
            "finding.override",
            actor=actor,
            object_type="finding_override",
            object_id=override.pk,
            patient_id=encounter.patient_id,
            detail=detail,
        )
    return written


def _write_administrations(
    encounter: Encounter, planned: Sequence[PlannedInjection]
) -> list[Administration]:
    rows = [
        Administration(
            encounter=encounter,
            position=row.position,
            product=encounter.product,
            muscle=row.muscle,
            side=row.side,
            point=row.point,
            units=row.units,
            volume_ml=_stored_decimal(Administration, "volume_ml", _volume(row.units, row.vial)),
            vial=row.vial,
            lot=row.vial.lot,
        )
        for row in planned
    ]
    Administration.objects.bulk_create(rows)
    return rows


def _stored_decimal(model: type[models.Model], name: str, value: Decimal | None) -> Decimal | None:
    """`value` as the column gives it back (its decimal places), so a row built in memory
    reads like one loaded from the database."""
    if value is None:
        return None
    places = model._meta.get_field(name).decimal_places  # type: ignore[union-attr]
    return value.quantize(Decimal(1).scaleb(-places))


def _known_rows(encounter: Encounter, **related: Sequence[models.Model]) -> None:
    """Give `encounter` these related rows as if prefetched (`prefetch_related`), in the order
    the relations' own ordering gives, so reading them costs no query."""
    cache = getattr(encounter, "_prefetched_objects_cache", None)
    if cache is None:
        cache = encounter._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    for name, rows in related.items():
        cache.pop(name, None)
        queryset = getattr(encounter, name).get_queryset()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        cache[name] = queryset


def _volume(units: Decimal, vial: Vial) -> Decimal | None:
    if vial.diluent_ml is None:
        return None  # not reconstituted (overridden): no volume to derive, none guessed
    return volume_ml(units, vial.size_units, vial.diluent_ml)
