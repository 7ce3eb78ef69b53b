"""Records: the facts of care. Split by topic; import models from here."""

from bonta.records.models.encounters import (
    LEGACY_REASON,
    Addendum,
    Administration,
    Assessment,
    CountersignatureRequest,
    Encounter,
    EncounterStatus,
    FindingOverride,
    PlannedInjection,
)
from bonta.records.models.events import (
    URGENT_ADVERSE_EVENTS,
    AdverseEvent,
    AdverseEventOutcome,
    AdverseEventSeverity,
    AdverseEventType,
    ExternalAdministration,
)
from bonta.records.models.patients import Course, CourseStatus, Patient
from bonta.records.models.stock import Vial, VialDiscard

__all__ = [
    "LEGACY_REASON",
    "URGENT_ADVERSE_EVENTS",
    "Addendum",
    "Administration",
    "AdverseEvent",
    "AdverseEventOutcome",
    "AdverseEventSeverity",
    "AdverseEventType",
    "Assessment",
    "CountersignatureRequest",
    "Course",
    "CourseStatus",
    "Encounter",
    "EncounterStatus",
    "ExternalAdministration",
    "FindingOverride",
    "Patient",
    "PlannedInjection",
    "Vial",
    "VialDiscard",
]
