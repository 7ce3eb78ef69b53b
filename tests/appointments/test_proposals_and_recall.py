"""Proposed next visits agree with the domain; the recall list's contents and query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bonta.appointments.services import (
    book_appointment,
    cancel_appointment,
    propose_next_visits,
    recall_list,
)
from bonta.audit.models import AuditEvent
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.scheduling import AreaTreatment, SignedSession, next_visits
from bonta.records import services
from bonta.records.errors import Conflict, NotAllowed
from records.clinic import SESSION_AT, glabellar_session, make_patient, make_vial, preempt_session

pytestmark = pytest.mark.django_db

SESSION_ON = SESSION_AT.date()  # 2025-03-03 (UTC clinic)


def signed_preempt(patient, by, at=SESSION_AT):
    vial = make_vial(
        by,
        product="botox",
        size_units="200",
        diluent_ml="4",
        lot=f"M{at:%j}",
        reconstituted_at=at - timedelta(hours=1),
    )
    return services.sign_encounter(preempt_session(patient, by, vial, at=at), by)


def signed_glabellar(patient, by, at=SESSION_AT):
    vial = make_vial(by, lot=f"G{at:%j}", reconstituted_at=at - timedelta(hours=1))
    return services.sign_encounter(glabellar_session(patient, by, vial, at=at), by)


# ---- propose_next_visits -------------------------------------------------------------------


def test_a_migraine_cycle_is_proposed_12_weeks_later(alice, dr_grey):
    (proposal,) = propose_next_visits(signed_preempt(alice, dr_grey), by=dr_grey)
    assert proposal.area == "chronic_migraine"
    assert proposal.visits.review is None
    window = proposal.visits.treatment
    assert (window.earliest, window.recommended) == (date(2025, 5, 26), date(2025, 5, 26))
    assert SESSION_ON + timedelta(weeks=12) == date(2025, 5, 26)
    assert window.basis == "label_minimum"


def test_a_first_glabellar_session_gets_a_review_and_a_touch_up_never_before_90_days(
    alice, dr_grey
):
    (proposal,) = propose_next_visits(signed_glabellar(alice, dr_grey), by=dr_grey)
    session = SignedSession(SESSION_ON, Pathway.COSMETIC, "botox_cosmetic", "glabellar_lines")
    domain = next_visits(
        session, [AreaTreatment(SESSION_ON, "botox_cosmetic", "glabellar_lines", Decimal(20))]
    )
    assert proposal.visits == domain
    assert proposal.visits.review.on == date(2025, 3, 17)
    window = proposal.visits.treatment
    assert window.earliest == SESSION_ON + timedelta(days=90)  # BOTOX Cosmetic label, §2.4
    assert window.recommended >= window.earliest
    assert window.basis == "population"
    assert "label minimum" in window.explanation


def test_a_second_glabellar_session_gets_no_review_and_counts_from_itself(alice, dr_grey):
    signed_glabellar(alice, dr_grey, at=SESSION_AT - timedelta(days=120))
    (proposal,) = propose_next_visits(signed_glabellar(alice, dr_grey), by=dr_grey)
    assert proposal.visits.review is None
    assert proposal.visits.treatment.earliest == SESSION_ON + timedelta(days=90)


def test_nothing_is_proposed_for_a_draft(alice, dr_grey):
    draft = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    with pytest.raises(Conflict):
        propose_next_visits(draft, by=dr_grey)


def test_reception_does_not_see_proposals(alice, dr_grey, rita_reception):
    encounter = signed_glabellar(alice, dr_grey)
    with pytest.raises(NotAllowed):
        propose_next_visits(encounter, by=rita_reception)


# ---- recall_list ---------------------------------------------------------------------------


def book(patient, by, starts_at, **kwargs):
    fields = {"pathway": "cosmetic", "kind": "touch_up", "duration_minutes": 30} | kwargs
    return book_appointment(patient, by=by, clinician=by, starts_at=starts_at, **fields)


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_booked_appointments_on_the_first_and_last_day_are_listed_not_the_day_after(alice, dr_grey):
    on = date(2025, 4, 1)
    first = book(alice, dr_grey, at(on, 9))
    last = book(alice, dr_grey, at(on + timedelta(days=6), 23))
    book(alice, dr_grey, at(on + timedelta(days=7), 0))
    cancelled = book(alice, dr_grey, at(on + timedelta(days=2)))
    cancel_appointment(cancelled, by=dr_grey, reason_code="patient_request")
    listed = recall_list(on, 7, by=dr_grey)
    assert [(e.appointment_id, e.due_on, e.booked) for e in listed] == [
        (first.pk, on, True),
        (last.pk, on + timedelta(days=6), True),
    ]


def test_a_migraine_patient_is_due_on_the_day_of_the_next_cycle(alice, dr_grey):
    signed_preempt(alice, dr_grey)
    due = date(2025, 5, 26)
    (entry,) = recall_list(due - timedelta(days=6), 7, by=dr_grey)
    assert (entry.patient_id, entry.due_on, entry.kind, entry.booked, entry.areas) == (
        alice.pk,
        due,
        "cycle",
        False,
        ("chronic_migraine",),
    )
    assert recall_list(due - timedelta(days=6), 6, by=dr_grey) == []
    assert recall_list(due + timedelta(days=1), 30, by=dr_grey) == []  # overdue: not listed


def test_a_new_cosmetic_patient_is_due_for_review_then_for_a_touch_up(alice, dr_grey):
    encounter = signed_glabellar(alice, dr_grey)
    (proposal,) = propose_next_visits(encounter, by=dr_grey)
    (review,) = recall_list(date(2025, 3, 17), 1, by=dr_grey)
    assert (review.kind, review.due_on) == ("review", proposal.visits.review.on)
    recommended = proposal.visits.treatment.recommended
    (touch_up,) = recall_list(recommended - timedelta(days=29), 30, by=dr_grey)
    assert (touch_up.kind, touch_up.due_on) == ("touch_up", recommended)


def test_a_patient_with_a_future_appointment_is_listed_only_as_booked(alice, dr_grey):
    signed_preempt(alice, dr_grey)
    booked = book(alice, dr_grey, at(date(2025, 5, 27)), pathway="chronic_migraine", kind="cycle")
    listed = recall_list(date(2025, 5, 20), 14, by=dr_grey)
    assert [(e.appointment_id, e.booked) for e in listed] == [(booked.pk, True)]


def test_a_later_session_replaces_the_earlier_ones_proposal(alice, dr_grey):
    signed_preempt(alice, dr_grey, at=SESSION_AT - timedelta(weeks=12))
    signed_preempt(alice, dr_grey)
    listed = recall_list(date(2025, 3, 1), 7, by=dr_grey)  # the first one's due date: 3 March
    assert listed == []


def test_a_clinic_sees_its_booked_and_never_booked_patients(alice, dr_grey):
    bob = make_patient(dr_grey, "B-002", given_name="Bob")
    signed_preempt(bob, dr_grey)
    book(alice, dr_grey, at(date(2025, 5, 27)), clinic="north")
    on = date(2025, 5, 20)
    assert {e.record_number for e in recall_list(on, 14, "north", by=dr_grey)} == {"A-001"}
    assert {e.record_number for e in recall_list(on, 14, "", by=dr_grey)} == {"B-002"}
    assert {e.record_number for e in recall_list(on, 14, by=dr_grey)} == {"A-001", "B-002"}


def test_the_recall_list_costs_the_same_queries_for_two_patients_or_many(dr_grey):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            recall_list(date(2025, 5, 20), 14, by=dr_grey)
        return len(captured.captured_queries)

    def treat(n):  # migraine patients due for a cycle, new cosmetic ones for a review
        patient = make_patient(dr_grey, f"P-{n:03d}")
        if n % 2:
            signed_glabellar(patient, dr_grey, at=SESSION_AT + timedelta(days=65, hours=n))
        else:
            signed_preempt(patient, dr_grey, at=SESSION_AT + timedelta(hours=n))

    treat(0)
    treat(1)
    two = queries()
    for n in range(2, 5):
        treat(n)
    listed = recall_list(date(2025, 5, 20), 14, by=dr_grey)
    assert (len(listed), {e.kind for e in listed}) == (5, {"cycle", "review"})
    assert queries() == two


@pytest.mark.parametrize(
    ("on", "days", "field"),
    [
        (datetime(2025, 5, 20, tzinfo=UTC), 7, "on"),
        ("2025-05-20", 7, "on"),
        (date(2025, 5, 20), 0, "days"),
        (date(2025, 5, 20), 367, "days"),
        (date(2025, 5, 20), "7", "days"),
    ],
)
def test_a_bad_window_is_refused_and_nothing_is_written(dr_grey, on, days, field):
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        recall_list(on, days, by=dr_grey)
    assert refused.value.field == field
    assert AuditEvent.objects.count() == before
