"""Request and response bodies. Codes (product, muscle, protocol) are validated by the services
against the domain's reference data, so the schema and the core never disagree."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    field_validator,
    model_validator,
)

from bonta.domain.plan import MAX_PLAN_POINTS

# ---- strict values -------------------------------------------------------------------------
# Pydantic's lax mode reads 0 as 1970-01-01 (a Unix time) and "2025-01-01T09:00" as a date;
# a clinical date or time must be written out. The services then check plausibility (years).

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _date_text(value: object) -> object:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _datetime_text(value: object) -> object:
    if not isinstance(value, str) or not ISO_DATETIME.match(value):
        raise ValueError("must be a date and time written like 2025-03-01T10:00:00+00:00")
    return value


IsoDate = Annotated[date, BeforeValidator(_date_text)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_datetime_text)]

# C0 and C1 control characters (NUL, ESC, DEL …) except tab, line feed and carriage return,
# which multi-line notes may hold; single-line fields are checked again by the services.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control_characters(value: Any) -> None:
    if isinstance(value, str):
        if CONTROL_CHARACTERS.search(value):
            raise ValueError("must not contain control characters")
    elif isinstance(value, list | tuple):
        for item in value:
            _no_control_characters(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_control_characters(key)
            _no_control_characters(item)


class In(Schema):
    """Every request body: a JSON object (so are the objects inside it), and no text field (nor
    list or map of text) holds a control character."""

    @model_validator(mode="before")
    @classmethod
    def _is_an_object(cls, value: Any) -> Any:
        # django-ninja's Schema reads any value by attribute (from_attributes), so a list or a
        # string where an object belongs would otherwise pass as "every field left out":
        # `"flags": "pregnant"` would register a patient with no safety flags at all. Ninja's
        # own validator (the outer one) has already wrapped the value in a DjangoGetter.
        given = value._obj if isinstance(value, DjangoGetter) else value
        if not isinstance(given, dict):
            raise ValueError("must be a JSON object")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_printable(cls, value: Any) -> Any:
        _no_control_characters(value)
        return value


Units = Annotated[Decimal, Field(gt=0, lt=100000, decimal_places=2, examples=["5"])]
Millilitres = Annotated[Decimal, Field(gt=0, lt=100, decimal_places=2, examples=["2.5"])]
PathwayCode = Literal["cosmetic", "chronic_migraine"]
SideCode = Literal["left", "right", "midline"]


class FieldError(Schema):
    field: str
    message: str


class FindingOut(Schema):
    code: str
    severity: Literal["block", "warn", "info"]
    kind: Literal["hard_stop", "clinical_block"] | None = Field(
        description="blocks only: a hard stop takes no override (fix the record or the plan); "
        "a clinical block may be overridden with a coded reason"
    )
    override: Literal["not_allowed", "reason", "reason_and_countersignature"] | None = Field(
        description="blocks only: what an override must carry"
    )
    message: str
    source: str


class ErrorOut(Schema):
    """Every error: a sentence, and per-field problems or blocking findings when there are any."""

    detail: str
    errors: list[FieldError] = Field(default_factory=list)
    findings: list[FindingOut] = Field(default_factory=list)


# ---- patients ------------------------------------------------------------------------------


class PatientFlagsSchema(In):
    """The standing safety flags as shown, and as given when registering a patient (a field
    left out of a new patient's flags is recorded as none)."""

    pregnant: StrictBool = False
    breastfeeding: StrictBool = False
    conditions: list[str] = Field(default=[], examples=[["myasthenia_gravis"]])
    allergies: list[str] = Field(default=[], examples=[["human_albumin"]])
    medications: list[str] = Field(default=[], examples=[["aminoglycoside"]])
    infection_sites: list[str] = Field(default=[], examples=[["frontalis"]])


class PatientFlagsIn(In):
    """Replace every safety flag (PUT): each field is required, so a missing field is refused
    rather than read as "none". Record "none" explicitly: false, or an empty list."""

    pregnant: StrictBool
    breastfeeding: StrictBool
    conditions: list[str] = Field(examples=[["myasthenia_gravis"]])
    allergies: list[str] = Field(examples=[["human_albumin"]])
    medications: list[str] = Field(examples=[["aminoglycoside"]])
    infection_sites: list[str] = Field(examples=[["frontalis"]])


class PatientFlagsPatch(In):
    """Change some safety flags (PATCH): only the fields sent change; at least one is needed.
    A list replaces that list as a whole (`[]` clears it); null is refused."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    pregnant: StrictBool | None = None
    breastfeeding: StrictBool | None = None
    conditions: list[str] | None = Field(default=None, examples=[["myasthenia_gravis"]])
    allergies: list[str] | None = Field(default=None, examples=[["human_albumin"]])
    medications: list[str] | None = Field(default=None, examples=[["aminoglycoside"]])
    infection_sites: list[str] | None = Field(default=None, examples=[["frontalis"]])


class PatientIn(In):
    record_number: str = Field(min_length=1, max_length=32)
    given_name: str = Field(min_length=1, max_length=150)
    family_name: str = Field(min_length=1, max_length=150)
    birth_date: IsoDate
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=32)
    flags: PatientFlagsSchema | None = None


class PatientFlagsOut(BaseModel):
    """The standing safety flags as the API shows them (a response: plain pydantic, no input
    checks to run on what Bonta itself wrote)."""

    pregnant: bool
    breastfeeding: bool
    conditions: list[str] = Field(examples=[["myasthenia_gravis"]])
    allergies: list[str] = Field(examples=[["human_albumin"]])
    medications: list[str] = Field(examples=[["aminoglycoside"]])
    infection_sites: list[str] = Field(examples=[["frontalis"]])


class PatientOut(BaseModel):
    """A patient (a response: plain pydantic, validated from the dicts `patient_out` builds
    without ninja's attribute getter, which cost more than the query on a page of 50)."""

    id: UUID
    record_number: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    email: str
    phone: str
    flags: PatientFlagsOut | None = Field(
        description="Standing safety flags; null for roles that may not see clinical data"
    )


# ---- vials ---------------------------------------------------------------------------------


class VialIn(In):
    product: str = Field(examples=["botox"])
    lot: str = Field(default="", max_length=64)
    expiry: IsoDate
    size_units: Units
    diluent_ml: Millilitres | None = None
    reconstituted_at: IsoDateTime | None = None


class ReconstituteIn(In):
    diluent_ml: Millilitres
    at: IsoDateTime | None = None


class DiscardIn(In):
    units: Units
    reason: str = Field(min_length=1, max_length=200)
    at: IsoDateTime | None = None


class VialOut(Schema):
    id: UUID
    product: str
    lot: str
    expiry: date
    size_units: Decimal
    diluent_ml: Decimal | None
    reconstituted_at: datetime | None
    units_drawn: Decimal
    units_discarded: Decimal
    units_remaining: Decimal


# ---- encounters ----------------------------------------------------------------------------


class InjectionIn(In):
    muscle: str = Field(examples=["procerus"])
    side: SideCode
    units: Units
    point: str | None = None
    vial_id: UUID | None = Field(default=None, description="defaults to the plan's vial_id")


class PlanIn(In):
    protocol: str | None = Field(default=None, examples=["glabellar_lines"])
    vial_id: UUID | None = None
    injections: list[InjectionIn] = Field(
        default_factory=list,
        max_length=MAX_PLAN_POINTS,
        description=f"at most {MAX_PLAN_POINTS} points, with the protocol's (a technical limit)",
    )


class EncounterIn(PlanIn):
    patient_id: UUID
    pathway: PathwayCode
    product: str = Field(examples=["botox_cosmetic"])
    at: IsoDateTime


class InjectionOut(Schema):
    muscle: str
    side: str
    units: Decimal
    point: str
    vial_id: UUID


class AdministrationOut(InjectionOut):
    product: str
    volume_ml: Decimal | None
    lot: str


class OverrideOut(Schema):
    code: str
    reason_code: str = Field(
        description="a coded reason (documented_clinical_need, prior_record_incorrect, "
        "current_label_differs); legacy_free_text for overrides written before coded reasons",
    )
    reason: str = Field(description="the clinician's note in their own words")
    clinician_id: UUID
    countersigner_id: UUID | None = Field(
        description="the second clinician who countersigned, where the block needs one"
    )
    at: datetime

    @staticmethod
    def resolve_reason_code(obj: Any) -> str:
        return str(obj.reason_code_shown)


class AddendumIn(In):
    reason: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1)


class AddendumOut(Schema):
    id: UUID
    author_id: UUID
    at: datetime
    reason: str
    text: str


class EncounterOut(Schema):
    id: UUID
    patient_id: UUID
    course_id: UUID
    pathway: str
    at: datetime
    product: str
    protocol: str
    clinician_id: UUID
    status: Literal["draft", "signed"]
    signed_by_id: UUID | None
    signed_at: datetime | None
    plan: list[InjectionOut]
    administrations: list[AdministrationOut]
    overrides: list[OverrideOut]
    addenda: list[AddendumOut]


class CheckOut(Schema):
    ok: bool = Field(description="true when no finding blocks sign-off")
    findings: list[FindingOut]
    totals: dict[str, Decimal] = Field(description="planned units per product, never summed")
    points: int


ReasonCode = Literal["documented_clinical_need", "prior_record_incorrect", "current_label_differs"]


class OverrideIn(In):
    """One clinical block overridden. Hard stops take no override: fix the record or the plan."""

    finding: str = Field(min_length=1, max_length=64, examples=["retreatment_too_soon"])
    reason: ReasonCode = Field(description="a coded reason that applies to the finding")
    note: str = Field(
        min_length=1, max_length=2000, description="the clinician's reason in their own words"
    )


class SignIn(In):
    overrides: list[OverrideIn] = Field(
        default=[],
        description="one per clinical block the check raises. A block that needs a "
        "countersignature (cumulative_dose_exceeded) cannot be signed here: POST "
        "…/countersignature-request, then a second clinician POSTs …/countersign with their "
        "own token.",
        examples=[
            [
                {
                    "finding": "retreatment_too_soon",
                    "reason": "documented_clinical_need",
                    "note": "Documented touch-up agreed with the patient",
                }
            ]
        ],
    )


class CountersignatureRequestIn(Schema):
    overrides: list[OverrideIn] = Field(
        min_length=1, description="every block overridden; at least one needs a countersignature"
    )


class CountersignatureRequestOut(Schema):
    encounter_id: UUID
    requested_by_id: UUID
    requested_at: datetime
    overrides: list[OverrideIn]


# ---- events --------------------------------------------------------------------------------


class AdverseEventIn(In):
    type: Literal[
        "bruising",
        "swelling",
        "eyelid_ptosis",
        "brow_ptosis",
        "neck_pain",
        "dysphagia",
        "breathing_difficulty",
        "generalised_weakness",
        "diplopia",
        "dysphonia",
        "other",
    ]
    onset: IsoDate
    severity: Literal["mild", "moderate", "severe"]
    serious: bool = False
    outcome: Literal["ongoing", "resolving", "resolved", "resolved_with_sequelae", "unknown"] = (
        "ongoing"
    )
    encounter_id: UUID | None = None
    notes: str = ""


class AdverseEventOut(Schema):
    id: UUID
    patient_id: UUID
    encounter_id: UUID | None
    type: str
    onset: date
    severity: str
    serious: bool
    outcome: str
    urgent: bool = Field(description="distant spread of toxin effect (boxed warning): act now")
    notes: str


class ExternalAdministrationIn(In):
    """BoNT given elsewhere: on a pathway, or for another indication (give exactly one)."""

    on: IsoDate
    product: str = Field(examples=["botox"])
    units: Units
    pathway: PathwayCode | None = Field(default=None, description="omit for another indication")
    indication: str = Field(
        default="",
        max_length=200,
        description="another indication, in free text (e.g. cervical dystonia), instead of a "
        "pathway; it counts toward the cumulative limit and, for re-treatment, covers only the "
        "muscles named",
        examples=["cervical dystonia"],
    )
    area: str = Field(default="", examples=["chronic_migraine"])
    muscles: list[str] | None = None
    source_system: str = Field(min_length=1, max_length=200, examples=["Other Clinic EHR"])
    source_id: str = Field(default="", max_length=200)
    lot: str = Field(default="", max_length=200, description="the lot given, when known")
    lot_expiry: IsoDate | None = Field(default=None, description="that lot's expiry, if sent")


class ExternalAdministrationOut(Schema):
    id: UUID
    patient_id: UUID
    on: date
    product: str
    units: Decimal
    pathway: str = Field(description='"" for another indication')
    indication: str = Field(description='another indication; "" when on a pathway')
    area: str
    muscles: list[str] | None
    source_system: str
    source_id: str
    lot: str = Field(description='"" when the source did not send it')
    lot_expiry: date | None
