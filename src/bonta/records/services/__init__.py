"""One named function per state change, called alike by the API, web views and CLI.

Each write runs in one transaction with its audit event; reads of patient data are audited.
"""

from bonta.records.services._common import load
from bonta.records.services.encounters import (
    InjectionInput,
    amend_encounter,
    check_plan,
    get_encounter,
    open_encounter,
    plan_treatment,
    review_plan,
    sign_encounter,
)
from bonta.records.services.events import (
    list_adverse_events,
    record_adverse_event,
    record_external_administration,
)
from bonta.records.services.patients import (
    PatientFlags,
    amend_patient_flags,
    create_patient,
    get_patient,
    list_patients,
    update_patient_flags,
)
from bonta.records.services.vials import (
    discard_from_vial,
    list_vials,
    reconstitute_vial,
    register_vial,
    vials_with_usage,
)

__all__ = [
    "InjectionInput",
    "PatientFlags",
    "amend_encounter",
    "amend_patient_flags",
    "check_plan",
    "create_patient",
    "discard_from_vial",
    "get_encounter",
    "get_patient",
    "list_adverse_events",
    "list_patients",
    "list_vials",
    "load",
    "open_encounter",
    "plan_treatment",
    "reconstitute_vial",
    "record_adverse_event",
    "record_external_administration",
    "register_vial",
    "review_plan",
    "sign_encounter",
    "update_patient_flags",
    "vials_with_usage",
]
