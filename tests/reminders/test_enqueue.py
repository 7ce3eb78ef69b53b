"""Enqueueing: one reminder per appointment and kind whenever it runs, none for opted-out
patients or patients without an address, and pending reminders follow their appointment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from bonta.appointments.services import cancel_appointment, move_appointment
from bonta.audit.models import AuditEvent
from bonta.reminders import outbox, preferences
from bonta.reminders.models import Reminder, ReminderKind

from .builders import patient
from .conftest import NOW, book

pytestmark = pytest.mark.django_db


def rows():
    return list(
        Reminder.objects.order_by("starts_at").values_list(
            "appointment_id", "kind", "status", "due_at", "starts_at", "recipient", "cancel_reason"
        )
    )


def test_an_appointment_within_48_hours_gets_one_reminder_due_48_hours_before(
    dr_grey, rita_reception
):
    alice = patient(rita_reception)
    visit = book(alice, rita_reception, dr_grey, NOW + timedelta(hours=30))

    assert outbox.enqueue_due(NOW).created == 1
    assert rows() == [
        (
            visit.pk,
            ReminderKind.ADVANCE,
            "pending",
            NOW - timedelta(hours=18),
            visit.starts_at,
            "patient1@mail.example",
            "",
        )
    ]


def test_enqueueing_twice_creates_nothing_more(dr_grey, rita_reception):
    for n in range(3):
        book(patient(rita_reception, n), rita_reception, dr_grey, NOW + timedelta(hours=n + 1))
    assert outbox.enqueue_due(NOW).created == 3
    before = rows()

    again = outbox.enqueue_due(NOW + timedelta(minutes=5))

    assert again.created == 0
    assert rows() == before


def test_the_database_refuses_a_second_reminder_of_the_same_kind(dr_grey, rita_reception):
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=1))
    outbox.enqueue_due(NOW)
    first = Reminder.objects.get()
    first.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            appointment_id=first.appointment_id,
            patient_id=first.patient_id,
            kind=first.kind,
            starts_at=first.starts_at,
            due_at=first.due_at,
            recipient=first.recipient,
        )


def test_an_appointment_further_out_waits_until_its_reminder_time(dr_grey, rita_reception):
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=48, minutes=1))
    assert outbox.enqueue_due(NOW).created == 0
    assert outbox.enqueue_due(NOW + timedelta(minutes=1)).created == 1


def test_opted_out_patients_and_patients_without_email_get_no_reminder(dr_grey, rita_reception):
    quiet = patient(rita_reception, 1)
    preferences.set_email_opt_out(quiet, opted_out=True, by=rita_reception)
    book(quiet, rita_reception, dr_grey, NOW + timedelta(hours=2))
    book(patient(rita_reception, 2, email=""), rita_reception, dr_grey, NOW + timedelta(hours=3))

    assert outbox.enqueue_due(NOW).created == 0
    assert rows() == []


def test_a_cancelled_appointment_cancels_its_pending_reminder(dr_grey, rita_reception):
    visit = book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=5))
    outbox.enqueue_due(NOW)
    cancel_appointment(visit, by=rita_reception, reason_code="patient_request")

    assert outbox.enqueue_due(NOW + timedelta(minutes=1)).synced == 1
    assert Reminder.objects.get().status == "cancelled"
    assert Reminder.objects.get().cancel_reason == "appointment_not_upcoming"


def test_moving_an_appointment_later_re_times_its_pending_reminder(dr_grey, rita_reception):
    visit = book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=5))
    outbox.enqueue_due(NOW)
    new_start = NOW + timedelta(days=10)
    move_appointment(visit, by=rita_reception, starts_at=new_start)

    outbox.enqueue_due(NOW + timedelta(minutes=1))

    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.starts_at, reminder.due_at) == (
        "pending",
        new_start,
        new_start - timedelta(hours=48),
    )


def test_opting_out_cancels_pending_reminders_at_once(dr_grey, rita_reception):
    alice = patient(rita_reception)
    book(alice, rita_reception, dr_grey, NOW + timedelta(hours=5))
    outbox.enqueue_due(NOW)

    assert preferences.set_email_opt_out(alice, opted_out=True, by=rita_reception)

    assert rows()[0][2:] == (
        "cancelled",
        NOW - timedelta(hours=43),
        NOW + timedelta(hours=5),
        "patient1@mail.example",
        "opted_out",
    )


def test_a_changed_address_is_the_one_used(dr_grey, rita_reception):
    alice = patient(rita_reception)
    book(alice, rita_reception, dr_grey, NOW + timedelta(hours=5))
    outbox.enqueue_due(NOW)
    type(alice).objects.filter(pk=alice.pk).update(email="new@mail.example")

    outbox.enqueue_due(NOW + timedelta(minutes=1))

    assert Reminder.objects.get().recipient == "new@mail.example"


def test_reminders_turned_off_by_the_clinic_create_none(dr_grey, rita_reception, settings):
    settings.BONTA_REMINDER_HOURS_BEFORE = 0
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=1))
    assert outbox.enqueue_due(NOW).created == 0


def test_enqueue_is_audited_with_a_count_and_no_patient(dr_grey, rita_reception):
    for n in range(2):
        book(patient(rita_reception, n), rita_reception, dr_grey, NOW + timedelta(hours=n + 1))
    outbox.enqueue_due(NOW)
    event = AuditEvent.objects.get(action="reminder.enqueue")
    assert (event.actor_role, event.patient_id, event.detail) == ("worker", None, {"count": 2})


def test_enqueue_costs_the_same_queries_for_3_or_30_appointments(dr_grey, rita_reception):
    def queries_for(count: int, offset: int) -> int:
        for n in range(offset, offset + count):
            start = NOW + timedelta(minutes=5 * (n + 1))
            book(patient(rita_reception, n), rita_reception, dr_grey, start, minutes=5)
        with CaptureQueriesContext(connection) as captured:
            created = outbox.enqueue_due(NOW).created
        assert created == count
        return len(captured.captured_queries)

    assert queries_for(3, 0) == queries_for(30, 100)


def test_opting_in_again_restores_the_reminders_the_opt_out_stopped(dr_grey, rita_reception):
    alice = patient(rita_reception)
    book(alice, rita_reception, dr_grey, NOW + timedelta(hours=5))
    outbox.enqueue_due(NOW)
    preferences.set_email_opt_out(alice, opted_out=True, by=rita_reception)

    preferences.set_email_opt_out(alice, opted_out=False, by=rita_reception)

    assert rows()[0][2] == "pending"
    assert rows()[0][6] == ""


def test_an_address_added_later_restores_a_reminder_stopped_for_lack_of_one(
    dr_grey, rita_reception
):
    alice = patient(rita_reception)
    book(alice, rita_reception, dr_grey, NOW + timedelta(hours=5))
    outbox.enqueue_due(NOW)
    type(alice).objects.filter(pk=alice.pk).update(email="")
    outbox.enqueue_due(NOW + timedelta(minutes=1))
    assert rows()[0][2::4] == ("cancelled", "no_email")

    type(alice).objects.filter(pk=alice.pk).update(email="alice@mail.example")
    outbox.enqueue_due(NOW + timedelta(minutes=2))

    assert rows()[0][2::3] == ("pending", "alice@mail.example")
