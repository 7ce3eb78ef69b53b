"""The resource types served, each from one or more tables, with its search parameters.

One mapping module per type (`to_fhir`: a row, its related rows selected, to a dict). The
registry says which rows a type reads, how to search them and who may read them.

A source may also name an `export`: the bulk export's way to turn a whole filtered queryset
into NDJSON lines, reading plain values in keyset-paged chunks and building each resource with
the same mapping as `to_fhir` (tests/fhir_r4/test_bulk_fast.py holds each line equal to the
read endpoint's JSON). Without
one, the export reads model instances and calls `to_fhir`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from bonta.accounts.models import User
from bonta.appointments.models import Appointment
from bonta.consent.models import Consent
from bonta.cosmetic.models import CosmeticAssessment
from bonta.fhir.resources import (
    adverse_event,
    appointment,
    consent,
    encounter,
    medication_administration,
    observation,
    patient,
    practitioner,
    procedure,
)
from bonta.fhir.resources._common import PRACTITIONER_ROLES
from bonta.migraine.models import QuestionnaireResponse
from bonta.records.models import (
    Administration,
    AdverseEvent,
    Encounter,
    EncounterStatus,
    Patient,
)
from bonta.records.services._common import ANY_STAFF, CLINICAL_READ


@dataclass(frozen=True)
class Source:
    """One table a resource type reads."""

    rows: Callable[[], QuerySet[Any]]  # the rows, with what to_fhir needs selected
    to_fhir: Callable[[Any], dict[str, Any]]
    patient: str | None = None  # the field holding the patient's id
    date: str | None = None  # the field `date` searches
    date_is_day: bool = False  # a DateField (else an aware DateTimeField)
    last_updated: Any = None  # the expression meta.lastUpdated and _lastUpdated read
    order: str = "pk"  # a stable order for paging (then pk)
    id_prefix: str = ""
    # (filtered rows, chunk size) -> NDJSON lines: the bulk export's fast path (module docstring)
    export: Callable[[QuerySet[Any], int], Iterator[str]] | None = None


@dataclass(frozen=True)
class ResourceType:
    name: str
    roles: Collection[str]
    sources: tuple[Source, ...]
    profile_doc: str
    params: dict[str, str] = field(default_factory=dict)  # name -> documentation


def _signed_encounters() -> QuerySet[Encounter]:
    return Encounter.objects.filter(status=EncounterStatus.SIGNED).select_related("signed_by")


def _practitioners() -> QuerySet[User]:
    signers = Encounter.objects.filter(status=EncounterStatus.SIGNED).values("signed_by")
    return User.objects.filter(Q(role__in=PRACTITIONER_ROLES) | Q(pk__in=signers)).distinct()


PATIENT_PARAM = "The patient: `Patient/{id}` or `{id}`."

REGISTRY: dict[str, ResourceType] = {
    t.name: t
    for t in (
        ResourceType(
            "Patient",
            ANY_STAFF,
            (
                Source(
                    lambda: Patient.objects.all(),
                    patient.to_fhir,
                    last_updated=F("created_at"),
                    order="record_number",
                ),
            ),
            "Demographics and the clinic's record number; no safety flags.",
            {
                "_lastUpdated": "Registration time: Bonta stores no update time for a patient, so "
                "later changes (flags, contact details) do not move it.",
                "identifier": "The record number: `{system}|{value}` or `{value}`.",
            },
        ),
        ResourceType(
            "Practitioner",
            CLINICAL_READ,
            (Source(_practitioners, practitioner.to_fhir, order="username"),),
            "Staff with a clinical role (clinician, nurse) and anyone who signed a session.",
        ),
        ResourceType(
            "Encounter",
            CLINICAL_READ,
            (
                Source(
                    _signed_encounters,
                    encounter.to_fhir,
                    patient="patient_id",
                    date="at",
                    last_updated=F("signed_at"),
                    order="at",
                    export=encounter.export,
                ),
            ),
            "Signed visits only (drafts are work in progress).",
            {
                "patient": PATIENT_PARAM,
                "date": "The visit's time (Encounter.period.start).",
                "_lastUpdated": "Sign-off time: a signed visit is immutable.",
            },
        ),
        ResourceType(
            "Procedure",
            CLINICAL_READ,
            (
                Source(
                    lambda: _signed_encounters().prefetch_related("administrations"),
                    procedure.to_fhir,
                    patient="patient_id",
                    date="at",
                    last_updated=F("signed_at"),
                    order="at",
                    export=procedure.export,
                ),
            ),
            "The injection session of each signed visit (same id as its Encounter).",
            {
                "patient": PATIENT_PARAM,
                "date": "The session's time (Procedure.performedDateTime).",
                "_lastUpdated": "Sign-off time.",
            },
        ),
        ResourceType(
            "MedicationAdministration",
            CLINICAL_READ,
            (
                Source(
                    lambda: Administration.objects.select_related(
                        "encounter", "encounter__signed_by", "vial"
                    ),
                    medication_administration.to_fhir,
                    patient="encounter__patient_id",
                    date="encounter__at",
                    last_updated=F("encounter__signed_at"),
                    order="encounter__at",
                    export=medication_administration.export,
                ),
            ),
            "One per injection point of a signed session; product and lot as a contained "
            "Medication; dose in the product's own units.",
            {
                "patient": PATIENT_PARAM,
                "date": "The session's time (effectiveDateTime).",
                "_lastUpdated": "Sign-off time of the session.",
            },
        ),
        ResourceType(
            "Observation",
            CLINICAL_READ,
            (
                Source(
                    lambda: QuestionnaireResponse.objects.select_related("recorded_by"),
                    observation.from_questionnaire,
                    patient="patient_id",
                    date="completed_on",
                    date_is_day=True,
                    last_updated=F("created_at"),
                    order="completed_on",
                    id_prefix=observation.QUESTIONNAIRE_PREFIX,
                ),
                Source(
                    lambda: CosmeticAssessment.objects.select_related("recorded_by"),
                    observation.from_assessment,
                    patient="patient_id",
                    date="assessed_on",
                    date_is_day=True,
                    last_updated=F("recorded_at"),
                    order="assessed_on",
                    id_prefix=observation.ASSESSMENT_PREFIX,
                ),
            ),
            "HIT-6 and MIDAS totals; Facial Wrinkle Scale grades (at rest, at maximum "
            "contraction) per area.",
            {
                "patient": PATIENT_PARAM,
                "date": "The day completed or assessed (effectiveDateTime).",
                "_lastUpdated": "The time it was stored: responses and assessments are not edited.",
            },
        ),
        ResourceType(
            "AdverseEvent",
            CLINICAL_READ,
            (
                Source(
                    lambda: AdverseEvent.objects.select_related("recorded_by", "encounter"),
                    adverse_event.to_fhir,
                    patient="patient_id",
                    date="onset",
                    date_is_day=True,
                    last_updated=F("recorded_at"),
                    order="onset",
                ),
            ),
            "Adverse events; free-text notes are not sent.",
            {
                "patient": PATIENT_PARAM,
                "date": "The onset day (AdverseEvent.date).",
                "_lastUpdated": "The time it was recorded: no update time is stored, so a later "
                "change of outcome does not move it.",
            },
        ),
        ResourceType(
            "Consent",
            CLINICAL_READ,
            (
                Source(
                    lambda: Consent.objects.select_related("document"),
                    consent.to_fhir,
                    patient="patient_id",
                    date="signed_at",
                    last_updated=Coalesce("withdrawn_at", "signed_at"),
                    order="signed_at",
                ),
            ),
            "Signed consents; signature image and typed name are not sent.",
            {
                "patient": PATIENT_PARAM,
                "date": "The signing time (Consent.dateTime).",
                "_lastUpdated": "Withdrawal time if withdrawn, else signing time.",
            },
        ),
        ResourceType(
            "Appointment",
            ANY_STAFF,
            (
                Source(
                    lambda: Appointment.objects.select_related("clinician"),
                    appointment.to_fhir,
                    patient="patient_id",
                    date="starts_at",
                    last_updated=F("updated_at"),
                    order="starts_at",
                ),
            ),
            "Booked, moved, cancelled, missed and attended visits.",
            {
                "patient": PATIENT_PARAM,
                "date": "The start time (Appointment.start).",
                "_lastUpdated": "The stored update time.",
            },
        ),
    )
}

COMMON_PARAMS = {
    "_id": "Resource ids, comma-separated.",
    "_count": "Page size, 0–100 (default 20; 0 returns the total only).",
    "_offset": "Paging position (Bonta-specific; follow Bundle.link next/previous).",
}
