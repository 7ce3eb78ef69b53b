"""Recording FWS assessments: baseline, 2-week review, follow-up; refusals write nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from bonta.audit.models import AuditEvent
from bonta.cosmetic.models import CosmeticAssessment, PriorTreatment, WearOffReport
from bonta.cosmetic.services import (
    PriorTreatmentInput,
    record_assessment,
    responder_status,
)
from bonta.domain.errors import InvalidInput
from bonta.records.errors import NotAllowed
from cosmetic.conftest import SESSION_ON, signed_glabellar, signed_preempt, signed_upper_face
from records.clinic import glabellar_session, make_vial

pytestmark = pytest.mark.django_db


def baseline(
    patient, by, *, area="glabellar_lines", rest=1, at_max=3, on=SESSION_ON, kind="baseline", **kw
):
    return record_assessment(
        patient,
        area=area,
        kind=kind,
        assessed_on=on,
        grade_at_rest=rest,
        grade_at_max=at_max,
        by=by,
        **kw,
    )


def review(patient, by, encounter, *, kind="review_2w", rest=0, at_max=1, days=14, **kw):
    kw.setdefault("area", "glabellar_lines")
    return record_assessment(
        patient,
        kind=kind,
        assessed_on=SESSION_ON + timedelta(days=days),
        grade_at_rest=rest,
        grade_at_max=at_max,
        encounter=encounter,
        by=by,
        **kw,
    )


def written() -> tuple[int, int, int, int]:
    return (
        CosmeticAssessment.objects.count(),
        PriorTreatment.objects.count(),
        WearOffReport.objects.count(),
        AuditEvent.objects.filter(action__startswith="cosmetic.").count(),
    )


# ---- what is recorded ----------------------------------------------------------------------


def test_a_baseline_keeps_grades_goals_and_prior_treatments(alice, nurse_noor):
    a = baseline(
        alice,
        nurse_noor,
        goals="Softer frown lines",
        prior_treatments=[
            PriorTreatmentInput("dysport", "glabellar_lines", date(2023, 6, 1), "elsewhere"),
            PriorTreatmentInput(note="does not remember the product"),
        ],
    )
    assert (a.kind, a.rater, a.grade_at_rest, a.grade_at_max) == ("baseline", "investigator", 1, 3)
    assert a.encounter is None
    assert a.goals == "Softer frown lines"
    priors = list(a.prior_treatments.order_by("note"))
    assert [(p.product, p.area, p.approx_on, p.note) for p in priors] == [
        ("", "", None, "does not remember the product"),
        ("dysport", "glabellar_lines", date(2023, 6, 1), "elsewhere"),
    ]


def test_recording_is_audited_without_patient_text(alice, nurse_noor):
    a = baseline(alice, nurse_noor, goals="Look less tired")
    event = AuditEvent.objects.get(action="cosmetic.assessment.record")
    assert event.object_id == str(a.pk)
    assert event.patient_id == alice.pk
    assert event.detail == {
        "kind": "baseline",
        "type": "investigator",
        "codes": ["glabellar_lines"],
        "count": 0,
    }
    assert "tired" not in str(event.detail)


def test_the_2_week_review_is_linked_to_its_session_and_shows_the_change(alice, dr_grey, session):
    baseline(alice, dr_grey, rest=1, at_max=3)
    r = review(alice, dr_grey, session, rest=0, at_max=1)
    assert r.encounter_id == session.pk
    event = AuditEvent.objects.get(action="cosmetic.assessment.record", object_id=str(r.pk))
    assert event.detail["encounter_id"] == str(session.pk)
    status = responder_status(alice, "glabellar_lines", by=dr_grey)
    assert status.baseline.grade_at_max == 3
    latest = status.latest
    assert (latest.kind, latest.change_at_rest, latest.change_at_max) == ("review_2w", 1, 2)
    assert latest.none_or_mild is True
    assert latest.two_grade is None  # glabellar: the responder definition is UNVERIFIED
    assert "UNVERIFIED" in status.responder_note
    assert not WearOffReport.objects.exists()  # a review is about response, not wear-off


def test_forehead_lines_get_the_two_grade_flag_with_its_study_source(alice, dr_grey):
    signed = signed_upper_face(alice, dr_grey)
    baseline(alice, dr_grey, area="forehead_lines", rest=2, at_max=3)
    review(alice, dr_grey, signed, area="forehead_lines", rest=1, at_max=1)
    status = responder_status(alice, "forehead_lines", by=dr_grey)
    assert (status.latest.change_at_max, status.latest.two_grade) == (2, True)
    assert "forehead-lines pivotal studies" in status.responder_note
    assert "CT-NCT02261493" in status.responder_note
    review(alice, dr_grey, signed, area="forehead_lines", kind="follow_up", at_max=2, days=60)
    assert responder_status(alice, "forehead_lines", by=dr_grey).latest.two_grade is False


def test_a_follow_up_back_to_baseline_records_the_area_as_returned(alice, dr_grey, session):
    baseline(alice, dr_grey, at_max=2)
    review(alice, dr_grey, session, kind="follow_up", at_max=1, days=70)
    review(alice, dr_grey, session, kind="follow_up", at_max=2, days=110)
    reports = list(WearOffReport.objects.order_by("reported_on"))
    assert [(r.reported_on, r.returned, r.source) for r in reports] == [
        (SESSION_ON + timedelta(days=70), False, "wrinkle_scale"),
        (SESSION_ON + timedelta(days=110), True, "wrinkle_scale"),
    ]
    assert reports[1].assessment.grade_at_max == 2


def test_a_follow_up_without_a_baseline_records_no_wear_off(alice, dr_grey, session):
    review(alice, dr_grey, session, kind="follow_up", at_max=3, days=100)
    assert not WearOffReport.objects.exists()


def test_a_patient_self_rating_is_compared_with_the_patients_own_baseline(
    alice, dr_grey, session, alice_portal
):
    baseline(alice, dr_grey, at_max=3)
    baseline(alice, dr_grey, at_max=2, rater="patient")
    mine = review(alice, alice_portal, session, at_max=1, rater="patient")
    assert mine.recorded_by == alice_portal
    status = responder_status(alice, "glabellar_lines", by=dr_grey)
    (rating,) = [r for r in status.ratings if r.assessment_id == mine.pk]
    assert rating.change_at_max == 1  # against the patient's baseline of 2, not the clinician's 3
    assert status.latest is None  # the panel's "latest" is the investigator's


# ---- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"at_max": 4}, "grade_at_max"),
        ({"rest": -1}, "grade_at_rest"),
        ({"rest": True}, "grade_at_rest"),
        ({"at_max": "2"}, "grade_at_max"),
        ({"area": "chronic_migraine"}, "area"),
        ({"area": "cheeks"}, "area"),
        ({"kind": "interim"}, "kind"),
        ({"rater": "friend"}, "rater"),
        ({"goals": "x" * 501}, "goals"),
        ({"on": date(2999, 1, 1)}, "assessed_on"),
        ({"on": "2025-03-03"}, "assessed_on"),
        (
            {"prior_treatments": [PriorTreatmentInput(product="filler")]},
            "prior_treatments[0].product",
        ),
        (
            {"prior_treatments": [PriorTreatmentInput(area="chronic_migraine")]},
            "prior_treatments[0].area",
        ),
    ],
)
def test_a_bad_baseline_is_refused_by_field_and_nothing_is_written(alice, dr_grey, changes, field):
    before = written()
    with pytest.raises(InvalidInput) as refused:
        baseline(alice, dr_grey, **changes)
    assert refused.value.field == field
    assert written() == before


def test_a_baseline_in_the_future_is_refused(alice, dr_grey):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(InvalidInput, match="future"):
        baseline(alice, dr_grey, on=tomorrow)


def test_a_baseline_links_no_session(alice, dr_grey, session):
    with pytest.raises(InvalidInput) as refused:
        baseline(alice, dr_grey, encounter=session)
    assert refused.value.field == "encounter"


def test_a_review_must_name_a_signed_cosmetic_session_of_this_patient_treating_the_area(
    alice, bob, dr_grey, session
):
    before = written()
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="D1"))
    migraine = signed_preempt(alice, dr_grey, at=session.at + timedelta(days=200))
    bobs = signed_glabellar(bob, dr_grey)
    cases = [
        (None, "encounter", "must name its session"),
        (draft, "encounter", "not signed"),
        (migraine, "encounter", "not a cosmetic session"),
        (bobs, "encounter", "no such session"),
        ("not-a-uuid", "encounter", "no such session"),
    ]
    for encounter, field, message in cases:
        with pytest.raises(InvalidInput, match=message) as refused:
            review(alice, dr_grey, encounter)
        assert refused.value.field == field
    with pytest.raises(InvalidInput, match="was not treated in this session") as refused:
        review(alice, dr_grey, session, area="forehead_lines")
    assert refused.value.field == "area"
    assert written() == before


def test_a_review_is_dated_after_its_session_and_before_the_area_is_treated_again(
    alice, dr_grey, session
):
    for days in (0, -5):
        with pytest.raises(InvalidInput, match="after the session on 2025-03-03") as refused:
            review(alice, dr_grey, session, days=days)
        assert refused.value.field == "assessed_on"
    signed_glabellar(alice, dr_grey, at=session.at + timedelta(days=100))
    with pytest.raises(InvalidInput, match="treated again on 2025-06-11"):
        review(alice, dr_grey, session, kind="follow_up", days=120)
    review(alice, dr_grey, session, kind="follow_up", days=100)  # on the renewal day: allowed


def test_reception_and_managers_may_not_record_assessments(alice, rita_reception, max_manager):
    before = written()
    for user in (rita_reception, max_manager):
        with pytest.raises(NotAllowed):
            baseline(alice, user)
    assert written() == before


def test_a_portal_account_may_rate_only_its_own_patient_and_only_as_the_patient(
    alice, bob, dr_grey, alice_portal
):
    before = written()
    with pytest.raises(NotAllowed):
        baseline(alice, alice_portal)  # an investigator rating
    with pytest.raises(NotAllowed):
        baseline(bob, alice_portal, rater="patient")
    assert written() == before
    assert baseline(alice, alice_portal, rater="patient").rater == "patient"
