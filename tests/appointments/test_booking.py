"""Book, move, cancel, no-show: the rules at their edges, and refusals that write nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bonta.appointments.errors import ClinicianDoubleBooked, StartInPast
from bonta.appointments.models import Appointment
from bonta.appointments.services import (
    book_appointment,
    cancel_appointment,
    mark_no_show,
    move_appointment,
)
from bonta.audit.models import AuditEvent
from bonta.domain.errors import InvalidInput
from bonta.records.errors import Conflict, NotAllowed

from .conftest import NOW

pytestmark = pytest.mark.django_db


def book(patient, by, clinician, starts_at=NOW, minutes=30, **kwargs):
    fields = {"pathway": "cosmetic", "kind": "consultation"} | kwargs
    return book_appointment(
        patient,
        by=by,
        clinician=clinician,
        starts_at=starts_at,
        duration_minutes=minutes,
        **fields,
    )


def snapshot():
    return (
        list(Appointment.objects.values_list("id", "status", "starts_at", "duration_minutes")),
        AuditEvent.objects.count(),
    )


def test_a_start_exactly_now_is_booked(alice, dr_grey, rita_reception):
    appointment = book(alice, rita_reception, dr_grey, starts_at=NOW)
    assert (appointment.status, appointment.starts_at) == ("booked", NOW)
    assert AuditEvent.objects.filter(action="appointment.book").get().detail == {
        "kind": "consultation",
        "pathway": "cosmetic",
        "status": "booked",
    }


def test_a_start_one_second_ago_is_refused_and_nothing_is_written(alice, dr_grey):
    before = snapshot()
    with pytest.raises(StartInPast) as refused:
        book(alice, dr_grey, dr_grey, starts_at=NOW - timedelta(seconds=1))
    assert refused.value.field == "starts_at"
    assert snapshot() == before


def test_back_to_back_appointments_of_one_clinician_are_allowed(alice, dr_grey):
    book(alice, dr_grey, dr_grey, starts_at=NOW, minutes=30)
    after = book(alice, dr_grey, dr_grey, starts_at=NOW + timedelta(minutes=30))
    before = book(alice, dr_grey, dr_grey, starts_at=NOW + timedelta(hours=1), minutes=30)
    assert Appointment.objects.count() == 3
    assert after.starts_at < before.starts_at


@pytest.mark.parametrize(
    ("offset", "minutes"),
    [
        (timedelta(minutes=29), 30),  # starts one minute before the first ends
        (timedelta(minutes=-29), 30),  # ends one minute after the first starts
        (timedelta(minutes=10), 5),  # inside it
        (timedelta(minutes=-10), 60),  # around it
    ],
)
def test_a_one_minute_overlap_for_the_same_clinician_is_refused(alice, dr_grey, offset, minutes):
    book(alice, dr_grey, dr_grey, starts_at=NOW + timedelta(hours=1), minutes=30)
    before = snapshot()
    with pytest.raises(ClinicianDoubleBooked) as refused:
        book(alice, dr_grey, dr_grey, starts_at=NOW + timedelta(hours=1) + offset, minutes=minutes)
    assert refused.value.field == "starts_at"
    assert snapshot() == before


def test_another_clinician_may_see_a_patient_at_the_same_time(alice, dr_grey, nurse_noor):
    book(alice, dr_grey, dr_grey)
    book(alice, dr_grey, nurse_noor)
    assert Appointment.objects.count() == 2


def test_a_cancelled_appointment_does_not_block_its_time(alice, dr_grey):
    first = book(alice, dr_grey, dr_grey)
    cancel_appointment(first, by=dr_grey, reason_code="patient_request")
    again = book(alice, dr_grey, dr_grey)
    assert again.status == "booked"
    assert Appointment.objects.get(pk=first.pk).status == "cancelled"


def test_moving_into_another_appointment_is_refused_and_the_old_time_stays(alice, dr_grey):
    book(alice, dr_grey, dr_grey, starts_at=NOW + timedelta(hours=2))
    movable = book(alice, dr_grey, dr_grey, starts_at=NOW)
    before = snapshot()
    with pytest.raises(ClinicianDoubleBooked):
        move_appointment(movable, by=dr_grey, starts_at=NOW + timedelta(hours=2, minutes=15))
    assert snapshot() == before


def test_moving_an_appointment_over_its_own_old_slot_is_allowed(alice, dr_grey):
    appointment = book(alice, dr_grey, dr_grey, starts_at=NOW, minutes=30)
    moved = move_appointment(
        appointment, by=dr_grey, starts_at=NOW + timedelta(minutes=15), reason_code="clinic_request"
    )
    assert (moved.status, moved.starts_at, moved.reason_code) == (
        "moved",
        NOW + timedelta(minutes=15),
        "clinic_request",
    )


def test_cancelling_needs_a_reason_code_and_happens_once(alice, dr_grey):
    appointment = book(alice, dr_grey, dr_grey)
    with pytest.raises(InvalidInput) as refused:
        cancel_appointment(appointment, by=dr_grey, reason_code="")
    assert refused.value.field == "reason_code"
    cancel_appointment(appointment, by=dr_grey, reason_code="patient_unwell")
    with pytest.raises(Conflict):
        cancel_appointment(appointment, by=dr_grey, reason_code="patient_unwell")


def test_a_no_show_is_recorded_only_once_the_appointment_has_started(alice, dr_grey, monkeypatch):
    from bonta.appointments.services import booking

    appointment = book(alice, dr_grey, dr_grey, starts_at=NOW + timedelta(minutes=1))
    with pytest.raises(Conflict):
        mark_no_show(appointment, by=dr_grey)
    assert Appointment.objects.get(pk=appointment.pk).status == "booked"
    monkeypatch.setattr(booking, "now", lambda: NOW + timedelta(minutes=1))
    assert mark_no_show(appointment, by=dr_grey).status == "no_show"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": datetime(2025, 3, 11, 9, 0)}, "starts_at"),  # noqa: DTZ001 - naive on purpose
        ({"minutes": 0}, "duration_minutes"),
        ({"minutes": 8 * 60 + 1}, "duration_minutes"),
        ({"minutes": "30"}, "duration_minutes"),
        ({"kind": "facial"}, "kind"),
        ({"kind": "cycle"}, "kind"),  # a cycle is on the migraine pathway
        ({"pathway": "chronic_migraine", "kind": "touch_up"}, "kind"),
        ({"pathway": "dermal_filler"}, "pathway"),
        ({"reason_code": "because"}, "reason_code"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(alice, dr_grey, change, field):
    before = snapshot()
    with pytest.raises(InvalidInput) as refused:
        book(alice, dr_grey, dr_grey, **change)
    assert refused.value.field == field
    assert snapshot() == before


def test_reception_cannot_be_booked_as_the_clinician(alice, dr_grey, rita_reception):
    with pytest.raises(InvalidInput) as refused:
        book(alice, dr_grey, rita_reception)
    assert refused.value.field == "clinician"
    assert not Appointment.objects.exists()


def test_an_inactive_user_cannot_book(alice, dr_grey, rita_reception):
    rita_reception.is_active = False
    rita_reception.save()
    with pytest.raises(NotAllowed):
        book(alice, rita_reception, dr_grey)
