"""Wear-off reports and check-ins: who may answer, when, and the date a session area wore off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bonta.audit.models import AuditEvent
from bonta.cosmetic.models import WearOffReport
from bonta.cosmetic.services import (
    CheckIn,
    due_checkins,
    record_assessment,
    record_wear_off,
    wore_off_dates,
)
from bonta.domain.errors import InvalidInput
from bonta.records.errors import NotAllowed
from cosmetic.conftest import SESSION_ON, signed_glabellar, signed_preempt, week
from records.clinic import glabellar_session, make_vial

pytestmark = pytest.mark.django_db


def report(patient, by, encounter, on, *, returned=False, source="staff", area="glabellar_lines"):
    return record_wear_off(
        patient, encounter=encounter, area=area, returned=returned, on=on, by=by, source=source
    )


def written() -> tuple[int, int]:
    return (
        WearOffReport.objects.count(),
        AuditEvent.objects.filter(action="cosmetic.wear_off.record").count(),
    )


# ---- the wore-off date ---------------------------------------------------------------------


def test_the_wore_off_date_is_the_first_report_that_movement_returned(alice, nurse_noor, session):
    report(alice, nurse_noor, session, week(8))
    report(alice, nurse_noor, session, week(12) + timedelta(days=3), returned=True)
    assert wore_off_dates([alice.pk]) == {(session.pk, "glabellar_lines"): week(12) + timedelta(3)}


def test_no_returned_report_means_no_wore_off_date(alice, nurse_noor, session):
    report(alice, nurse_noor, session, week(8))
    assert wore_off_dates([alice.pk]) == {}


def test_a_follow_up_back_to_baseline_counts_as_returned_on_its_date(alice, dr_grey, session):
    record_assessment(
        alice,
        area="glabellar_lines",
        kind="baseline",
        assessed_on=SESSION_ON,
        grade_at_rest=1,
        grade_at_max=2,
        by=dr_grey,
    )
    record_assessment(
        alice,
        area="glabellar_lines",
        kind="follow_up",
        assessed_on=week(15),
        grade_at_rest=1,
        grade_at_max=3,  # worse than baseline counts too
        encounter=session,
        by=dr_grey,
    )
    assert wore_off_dates([alice.pk]) == {(session.pk, "glabellar_lines"): week(15)}


def test_wore_off_dates_reads_many_patients_in_one_query(alice, bob, dr_grey, session):
    bobs = signed_glabellar(bob, dr_grey)
    report(alice, dr_grey, session, week(13), returned=True)
    report(bob, dr_grey, bobs, week(17), returned=True)
    with CaptureQueriesContext(connection) as queries:
        found = wore_off_dates([alice.pk, bob.pk])
    assert len(queries) == 1
    assert found == {
        (session.pk, "glabellar_lines"): week(13),
        (bobs.pk, "glabellar_lines"): week(17),
    }
    from bonta.records.models import Patient

    assert wore_off_dates(Patient.objects.filter(pk=bob.pk).values("pk")) == {
        (bobs.pk, "glabellar_lines"): week(17)
    }


# ---- recording -----------------------------------------------------------------------------


def test_a_staff_report_is_audited_with_codes_only(alice, nurse_noor, session):
    r = report(alice, nurse_noor, session, week(9), returned=True)
    event = AuditEvent.objects.get(action="cosmetic.wear_off.record")
    assert (event.object_id, event.patient_id) == (str(r.pk), alice.pk)
    assert event.detail == {
        "encounter_id": str(session.pk),
        "codes": ["glabellar_lines"],
        "type": "staff",
        "status": "returned",
    }


def test_the_patient_answers_a_due_check_in_from_the_portal(alice, alice_portal, session):
    r = report(alice, alice_portal, session, week(8), source="portal_checkin")
    assert (r.recorded_by, r.source, r.returned) == (alice_portal, "portal_checkin", False)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"on": SESSION_ON}, "on", "after the session on 2025-03-03"),
        ({"on": SESSION_ON - timedelta(days=1)}, "on", "after the session"),
        ({"on": SESSION_ON + timedelta(days=40000)}, "on", "future"),
        ({"area": "forehead_lines"}, "area", "not treated in this session"),
        ({"area": "chronic_migraine"}, "area", "not a cosmetic treatment area"),
        ({"source": "fax"}, "source", "unknown value"),
        ({"source": "wrinkle_scale"}, "source", "follow-up assessment"),
        ({"returned": "yes"}, "returned", r"yes \(true\) or no \(false\)"),
    ],
)
def test_a_bad_report_is_refused_by_field_and_nothing_is_written(
    alice, nurse_noor, session, changes, field, message
):
    args = {"on": week(9), "area": "glabellar_lines", "source": "staff", "returned": True}
    args.update(changes)
    before = written()
    with pytest.raises(InvalidInput, match=message) as refused:
        record_wear_off(alice, encounter=session, by=nurse_noor, **args)
    assert refused.value.field == field
    assert written() == before


def test_reports_need_a_signed_cosmetic_session_of_this_patient(alice, bob, dr_grey, session):
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="D2"))
    migraine = signed_preempt(alice, dr_grey, at=session.at + timedelta(days=200))
    bobs = signed_glabellar(bob, dr_grey)
    before = written()
    for encounter, message in [
        (draft, "not signed"),
        (migraine, "not a cosmetic session"),
        (bobs, "no such session"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            report(alice, dr_grey, encounter, week(9))
    assert written() == before


def test_once_returned_no_further_report_is_taken(alice, nurse_noor, session):
    report(alice, nurse_noor, session, week(9), returned=True)
    before = written()
    with pytest.raises(InvalidInput, match="already reported as returned on 2025-05-05"):
        report(alice, nurse_noor, session, week(12))
    assert written() == before


def test_a_report_after_the_area_was_treated_again_belongs_to_the_new_session(
    alice, dr_grey, session
):
    signed_glabellar(alice, dr_grey, at=session.at + timedelta(days=95))
    with pytest.raises(InvalidInput, match="treated again on 2025-06-06") as refused:
        report(alice, dr_grey, session, week(14), returned=True)
    assert refused.value.field == "on"


def test_who_may_report(alice, bob, rita_reception, max_manager, alice_portal, nurse_noor, session):
    before = written()
    for user in (rita_reception, max_manager):
        with pytest.raises(NotAllowed):
            report(alice, user, session, week(8))
    with pytest.raises(NotAllowed):  # staff do not answer the patient's own check-in
        report(alice, nurse_noor, session, week(8), source="portal_checkin")
    with pytest.raises(NotAllowed):  # a portal account does not write staff reports
        report(alice, alice_portal, session, week(8))
    with pytest.raises(NotAllowed):  # nor answer for another patient
        report(bob, alice_portal, session, week(8), source="portal_checkin")
    assert written() == before


def test_a_portal_answer_needs_a_check_in_due_that_day(alice, alice_portal, session):
    with pytest.raises(InvalidInput, match="no check-in is due") as refused:
        report(alice, alice_portal, session, week(8) - timedelta(days=1), source="portal_checkin")
    assert refused.value.field == "encounter"
    report(alice, alice_portal, session, week(8), source="portal_checkin")
    with pytest.raises(InvalidInput, match="no check-in is due"):  # week 8 already answered
        report(alice, alice_portal, session, week(10), source="portal_checkin")


# ---- due check-ins -------------------------------------------------------------------------


def test_check_ins_fall_due_at_weeks_8_12_and_16(alice, session):
    def due(day):
        return [(c.week, c.due_on, c.ends_on) for c in due_checkins(alice, day)]

    assert due(week(8) - timedelta(days=1)) == []
    assert due(week(8)) == [(8, week(8), week(12))]
    assert due(week(12) - timedelta(days=1)) == [(8, week(8), week(12))]
    assert due(week(12)) == [(12, week(12), week(16))]
    assert due(week(16)) == [(16, week(16), None)]
    assert due(week(40)) == [(16, week(16), None)]  # the last stays open until answered
    (check_in,) = due_checkins(alice, week(8))
    assert check_in == CheckIn(session.pk, "glabellar_lines", 8, week(8), SESSION_ON, week(12))


def test_an_answered_check_in_waits_for_the_next_window(alice, nurse_noor, session):
    report(alice, nurse_noor, session, week(9))
    assert due_checkins(alice, week(10)) == []
    assert [c.week for c in due_checkins(alice, week(12))] == [12]


def test_an_area_is_no_longer_checked_once_it_has_returned(alice, nurse_noor, session):
    report(alice, nurse_noor, session, week(9), returned=True)
    assert due_checkins(alice, week(12)) == []
    assert due_checkins(alice, week(16)) == []


def test_a_new_session_in_the_area_replaces_the_old_check_ins(alice, dr_grey, session):
    later = signed_glabellar(alice, dr_grey, at=session.at + timedelta(days=91))
    (check_in,) = due_checkins(alice, later.at.date() + timedelta(weeks=8))
    assert (check_in.encounter_id, check_in.week) == (later.pk, 8)


def test_only_signed_cosmetic_sessions_are_checked(alice, dr_grey):
    glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="D3"))  # a draft
    signed_preempt(alice, dr_grey)
    assert due_checkins(alice, week(8)) == []


def test_each_treated_area_is_checked(alice, dr_grey):
    from cosmetic.conftest import signed_upper_face

    signed_upper_face(alice, dr_grey)
    assert [c.area for c in due_checkins(alice, week(8))] == ["forehead_lines", "glabellar_lines"]
