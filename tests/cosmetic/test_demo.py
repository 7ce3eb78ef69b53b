"""The demo clinic's cosmetic outcomes obey the rules the services enforce."""

from __future__ import annotations

import pytest

from bonta.appointments.services import propose_next_visits
from bonta.cosmetic.models import CosmeticAssessment, WearOffReport
from bonta.cosmetic.services import next_treatment_of_area, session_areas, wore_off_dates
from bonta.demo.clinic import generate
from bonta.records.models import Encounter
from bonta.records.snapshots import local_date, patient_history

pytestmark = pytest.mark.django_db


def test_demo_outcomes_are_valid_and_feed_personal_predictions():
    totals = generate(40, seed=3, years=3)
    assert totals["cosmetic assessments and wear-off reports"] > 0
    for report in WearOffReport.objects.select_related("encounter"):
        session_on = local_date(report.encounter.at)
        renewed = next_treatment_of_area(
            patient_history(report.patient_id), report.area, session_on
        )
        assert report.encounter.pathway == "cosmetic"
        assert report.area in session_areas(report.encounter)
        assert report.reported_on > session_on
        assert renewed is None or report.reported_on <= renewed
    returned = WearOffReport.objects.filter(returned=True)
    assert returned.count() == len(wore_off_dates(returned.values("patient_id")))
    for review in CosmeticAssessment.objects.exclude(kind="baseline"):
        assert review.encounter.patient_id == review.patient_id
        assert 0 <= review.grade_at_max <= 3

    # A patient with an observed duration, treated again afterwards: a personal prediction.
    from bonta.accounts.models import User

    clinician = User.objects.get(username="clinician")
    bases = set()
    for (encounter_id, area), _ in wore_off_dates(returned.values("patient_id")).items():
        first = Encounter.objects.get(pk=encounter_id)
        later = Encounter.objects.filter(
            patient_id=first.patient_id, pathway="cosmetic", at__gt=first.at, product=first.product
        ).last()
        if later is None:
            continue
        for proposal in propose_next_visits(later, by=clinician):
            if proposal.area == area and proposal.visits is not None:
                bases.add(proposal.visits.treatment.basis.value)
    assert "personal" in bases
