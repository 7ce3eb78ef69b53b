"""Request and response bodies. Codes (product, muscle, protocol) are validated by the services
against the domain's reference data, so the schema and the core never disagree."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import AwareDatetime, StrictBool

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
    message: str
    source: str


class ErrorOut(Schema):
    """Every error: a sentence, and per-field problems or blocking findings when there are any."""

    detail: str
    errors: list[FieldError] = Field(default_factory=list)
    findings: list[FindingOut] = Field(default_factory=list)


# ---- patients ------------------------------------------------------------------------------


class PatientFlagsSchema(Schema):
    """The standing safety flags as shown, and as given when registering a patient (a field
    left out of a new patient's flags is recorded as none)."""

    pregnant: StrictBool = False
    breastfeeding: StrictBool = False
    conditions: list[str] = Field(default=[], examples=[["myasthenia_gravis"]])
    allergies: list[str] = Field(default=[], examples=[["human_albumin"]])
    medications: list[str] = Field(default=[], examples=[["aminoglycoside"]])
    infection_sites: list[str] = Field(default=[], examples=[["frontalis"]])


class PatientFlagsIn(Schema):
    """Replace every safety flag (PUT): each field is required, so a missing field is refused
    rather than read as "none". Record "none" explicitly: false, or an empty list."""

    pregnant: StrictBool
    breastfeeding: StrictBool
    conditions: list[str] = Field(examples=[["myasthenia_gravis"]])
    allergies: list[str] = Field(examples=[["human_albumin"]])
    medications: list[str] = Field(examples=[["aminoglycoside"]])
    infection_sites: list[str] = Field(examples=[["frontalis"]])


class PatientFlagsPatch(Schema):
    """Change some safety flags (PATCH): only the fields sent change; at least one is needed.
    A list replaces that list as a whole (`[]` clears it); null is refused."""

    pregnant: StrictBool | None = None
    breastfeeding: StrictBool | None = None
    conditions: list[str] | None = Field(default=None, examples=[["myasthenia_gravis"]])
    allergies: list[str] | None = Field(default=None, examples=[["human_albumin"]])
    medications: list[str] | None = Field(default=None, examples=[["aminoglycoside"]])
    infection_sites: list[str] | None = Field(default=None, examples=[["frontalis"]])


class PatientIn(Schema):
    record_number: str = Field(min_length=1, max_length=32)
    given_name: str = Field(min_length=1, max_length=150)
    family_name: str = Field(min_length=1, max_length=150)
    birth_date: date
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=32)
    flags: PatientFlagsSchema | None = None


class PatientOut(Schema):
    id: UUID
    record_number: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    email: str
    phone: str
    flags: PatientFlagsSchema | None = Field(
        description="Standing safety flags; null for roles that may not see clinical data"
    )


# ---- vials ---------------------------------------------------------------------------------


class VialIn(Schema):
    product: str = Field(examples=["botox"])
    lot: str = Field(default="", max_length=64)
    expiry: date
    size_units: Units
    diluent_ml: Millilitres | None = None
    reconstituted_at: AwareDatetime | None = None


class ReconstituteIn(Schema):
    diluent_ml: Millilitres
    at: AwareDatetime | None = None


class DiscardIn(Schema):
    units: Units
    reason: str = Field(min_length=1, max_length=200)
    at: AwareDatetime | None = None


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


class InjectionIn(Schema):
    muscle: str = Field(examples=["procerus"])
    side: SideCode
    units: Units
    point: str | None = None
    vial_id: UUID | None = Field(default=None, description="defaults to the plan's vial_id")


class PlanIn(Schema):
    protocol: str | None = Field(default=None, examples=["glabellar_lines"])
    vial_id: UUID | None = None
    injections: list[InjectionIn] = Field(default_factory=list)


class EncounterIn(PlanIn):
    patient_id: UUID
    pathway: PathwayCode
    product: str = Field(examples=["botox_cosmetic"])
    at: AwareDatetime


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
    reason: str
    clinician_id: UUID
    at: datetime


class AddendumIn(Schema):
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


class SignIn(Schema):
    overrides: dict[str, str] = Field(
        default={},
        description="finding code → the clinician's written reason for overriding that block",
        examples=[{"retreatment_too_soon": "Documented touch-up agreed with the patient"}],
    )


# ---- events --------------------------------------------------------------------------------


class AdverseEventIn(Schema):
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
    onset: date
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


class ExternalAdministrationIn(Schema):
    on: date
    product: str = Field(examples=["botox"])
    units: Units
    pathway: PathwayCode
    area: str = Field(default="", examples=["chronic_migraine"])
    muscles: list[str] | None = None
    source_system: str = Field(min_length=1, max_length=200, examples=["Other Clinic EHR"])
    source_id: str = Field(default="", max_length=200)


class ExternalAdministrationOut(Schema):
    id: UUID
    patient_id: UUID
    on: date
    product: str
    units: Decimal
    pathway: str
    area: str
    muscles: list[str] | None
    source_system: str
    source_id: str
