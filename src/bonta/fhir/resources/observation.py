"""Observation: HIT-6 and MIDAS totals (bonta.migraine), Facial Wrinkle Scale grades
(bonta.cosmetic). Ids carry the source ("q-…" a questionnaire, "fws-…" an assessment)."""

from __future__ import annotations

from typing import Any

from bonta.cosmetic.models import CosmeticAssessment, Rater
from bonta.domain.anatomy import areas
from bonta.domain.headache.questionnaires import Instrument, band_of
from bonta.fhir.codes import concept
from bonta.fhir.resources._common import day, drop_empty, instant, meta, practitioner, ref
from bonta.migraine.models import EnteredBy, QuestionnaireResponse

QUESTIONNAIRE_PREFIX = "q-"
ASSESSMENT_PREFIX = "fws-"
INSTRUMENT_CODES = {Instrument.HIT6: "hit6-total", Instrument.MIDAS: "midas-total"}


def from_questionnaire(response: QuestionnaireResponse) -> dict[str, Any]:
    """`response` with `recorded_by` selected."""
    instrument = Instrument(response.instrument)
    if response.entered_by == EnteredBy.PATIENT:
        performer = ref("Patient", response.patient_id)
    else:
        performer = practitioner(response.recorded_by)
    return drop_empty(
        {
            "resourceType": "Observation",
            "id": f"{QUESTIONNAIRE_PREFIX}{response.pk}",
            # Responses are never edited: the time it was stored is when it last changed.
            "meta": meta(response.created_at),
            "status": "final",
            "code": concept("observation", INSTRUMENT_CODES[instrument]),
            "subject": ref("Patient", response.patient_id),
            "effectiveDateTime": day(response.completed_on),
            "issued": instant(response.created_at),
            "performer": [performer] if performer else [],
            "valueInteger": response.score,
            "interpretation": [{"text": band_of(instrument, response.score).label}],
        }
    )


def from_assessment(assessment: CosmeticAssessment) -> dict[str, Any]:
    """`assessment` with `recorded_by` selected. One Observation, two components."""
    if assessment.rater == Rater.PATIENT:
        performer = ref("Patient", assessment.patient_id)
    else:
        performer = practitioner(assessment.recorded_by)
    return drop_empty(
        {
            "resourceType": "Observation",
            "id": f"{ASSESSMENT_PREFIX}{assessment.pk}",
            "meta": meta(assessment.recorded_at),
            "status": "final",
            "code": concept("observation", "fws"),
            "subject": ref("Patient", assessment.patient_id),
            "encounter": ref("Encounter", assessment.encounter_id)
            if assessment.encounter_id
            else None,
            "effectiveDateTime": day(assessment.assessed_on),
            "issued": instant(assessment.recorded_at),
            "performer": [performer] if performer else [],
            "method": concept("rater", assessment.rater),
            "bodySite": concept("area", assessment.area, areas()[assessment.area].name),
            "component": [
                {
                    "code": concept("observation", "fws-at-rest"),
                    "valueInteger": assessment.grade_at_rest,
                },
                {
                    "code": concept("observation", "fws-at-max-contraction"),
                    "valueInteger": assessment.grade_at_max,
                },
            ],
        }
    )
