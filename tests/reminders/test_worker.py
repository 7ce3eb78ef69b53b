"""The worker against a real SMTP server on 127.0.0.1: what arrives, once; what happens when
the server refuses, is away, or goes silent mid-message; and how it stops."""

from __future__ import annotations

import logging
import os
import signal
from datetime import timedelta

import pytest

from bonta.appointments.services import cancel_appointment, move_appointment
from bonta.audit.models import AuditEvent
from bonta.reminders import outbox
from bonta.reminders.models import Reminder, ReminderPreference
from bonta.reminders.worker import Worker

from .builders import patient
from .conftest import NOW, SENDER, book
from .smtpd import DropsDuringData, free_port

pytestmark = pytest.mark.django_db


def state(reminder: Reminder | None = None) -> tuple:
    r = reminder or Reminder.objects.get()
    r.refresh_from_db()
    return (r.status, r.attempts, r.last_error)


def test_each_due_reminder_arrives_once_with_its_own_message_id(
    smtp, worker, dr_grey, rita_reception
):
    people = [patient(rita_reception, n) for n in range(3)]
    for n, p in enumerate(people):
        book(p, rita_reception, dr_grey, NOW + timedelta(hours=n + 2))

    assert worker.step() is True
    assert worker.step() is False  # nothing left

    arrived = smtp.recorder.received
    assert sorted(r.rcpt_tos for r in arrived) == [(f"patient{n}@mail.example",) for n in range(3)]
    assert {r.mail_from for r in arrived} == {SENDER}
    assert sorted(r.message_id for r in arrived) == sorted(
        f"<reminder.{r.pk.hex}@clinic.example>" for r in Reminder.objects.all()
    )
    assert set(Reminder.objects.values_list("status", "attempts", "sent_at")) == {("sent", 1, NOW)}


def test_each_send_is_audited_on_the_patient_without_the_address(
    smtp, worker, dr_grey, rita_reception
):
    alice = patient(rita_reception)
    book(alice, rita_reception, dr_grey, NOW + timedelta(hours=2))
    worker.step()
    event = AuditEvent.objects.get(action="reminder.send")
    assert (event.actor_role, event.patient_id, event.detail) == (
        "worker",
        alice.pk,
        {"kind": "advance", "status": "sent"},
    )


def test_run_until_idle_sends_everything_then_stops(smtp, worker, dr_grey, rita_reception):
    for n in range(45):  # more than two batches of 20
        start = NOW + timedelta(minutes=10 * (n + 1))
        book(patient(rita_reception, n), rita_reception, dr_grey, start, minutes=10)
    total = worker.run(until_idle=True)
    assert (total.sent, smtp.recorder.count()) == (45, 45)
    assert len(set(smtp.recorder.message_ids())) == 45


# ---- the appointment or the patient changed after enqueueing -------------------------------


def test_an_opt_out_recorded_after_the_claim_is_honoured_at_send_time(
    smtp, worker, worker_clock, dr_grey, rita_reception
):
    alice = patient(rita_reception)
    book(alice, rita_reception, dr_grey, NOW + timedelta(hours=2))
    outbox.enqueue_due(NOW)
    claimed = outbox.claim(worker.name, NOW, 10)
    # Written the way a concurrent process might, without touching the outbox:
    ReminderPreference.objects.create(patient=alice, email_opt_out=True)

    worker.send_batch(claimed)

    assert smtp.recorder.count() == 0
    assert Reminder.objects.get().cancel_reason == "opted_out"
    assert state() == ("cancelled", 0, "")


def test_a_cancelled_appointment_is_not_reminded(smtp, worker, dr_grey, rita_reception):
    visit = book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    outbox.enqueue_due(NOW)
    claimed = outbox.claim(worker.name, NOW, 10)
    cancel_appointment(visit, by=rita_reception, reason_code="clinic_request")

    worker.send_batch(claimed)

    assert smtp.recorder.count() == 0
    assert state() == ("cancelled", 0, "")


def test_a_moved_appointment_is_reminded_with_its_new_time(smtp, worker, dr_grey, rita_reception):
    visit = book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    outbox.enqueue_due(NOW)
    claimed = outbox.claim(worker.name, NOW, 10)
    move_appointment(visit, by=rita_reception, starts_at=NOW + timedelta(hours=26))

    worker.send_batch(claimed)

    (arrived,) = smtp.recorder.received
    assert (
        "Tuesday 11 March 2025 at 11:00 (GMT time)"
        in arrived.parsed().get_body(("plain",)).get_content()
    )
    assert Reminder.objects.get().starts_at == NOW + timedelta(hours=26)


def test_an_appointment_moved_beyond_the_reminder_time_waits(
    smtp, worker, worker_clock, dr_grey, rita_reception
):
    visit = book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    outbox.enqueue_due(NOW)
    claimed = outbox.claim(worker.name, NOW, 10)
    move_appointment(visit, by=rita_reception, starts_at=NOW + timedelta(days=7))

    worker.send_batch(claimed)
    assert smtp.recorder.count() == 0
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.due_at, reminder.claimed_by) == (
        "pending",
        NOW + timedelta(days=5),
        "",
    )

    worker_clock.advance(days=5)
    worker.step()
    assert smtp.recorder.count() == 1


# ---- the server refuses --------------------------------------------------------------------


def test_a_temporary_refusal_is_retried_after_a_pause_and_arrives_once(
    smtp, worker, worker_clock, dr_grey, rita_reception
):
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    smtp.recorder.rcpt_replies.append("450 4.2.1 Mailbox busy")

    worker.step()
    assert state() == ("pending", 1, "smtp_450")
    assert Reminder.objects.get().retry_at == NOW + timedelta(minutes=1)

    worker_clock.advance(seconds=59)
    assert worker.step() is False  # still pausing

    worker_clock.advance(seconds=1)
    worker.step()
    assert state() == ("sent", 2, "")
    assert smtp.recorder.count() == 1


def test_a_temporary_refusal_of_the_message_body_is_retried(
    smtp, worker, worker_clock, dr_grey, rita_reception
):
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    smtp.recorder.data_replies.append("451 4.3.0 Try again later")
    worker.step()
    assert state() == ("pending", 1, "smtp_451")
    worker_clock.advance(minutes=1)
    worker.step()
    assert (state()[0], smtp.recorder.count()) == ("sent", 1)


def test_a_permanent_refusal_fails_the_reminder_and_is_never_retried(
    smtp, worker, worker_clock, dr_grey, rita_reception
):
    alice = patient(rita_reception)
    book(alice, rita_reception, dr_grey, NOW + timedelta(hours=2))
    smtp.recorder.rcpt_replies.append("550 5.1.1 No such user")

    worker.step()
    worker_clock.advance(hours=2)
    worker.step()

    assert state() == ("failed", 1, "smtp_550")
    assert smtp.recorder.count() == 0
    event = AuditEvent.objects.get(action="reminder.fail")
    assert (event.patient_id, event.detail) == (alice.pk, {"kind": "advance", "status": "failed"})


def test_temporary_refusals_fail_the_reminder_once_the_attempts_are_spent(
    smtp, worker, worker_clock, dr_grey, rita_reception, settings
):
    settings.BONTA_REMINDER_MAX_ATTEMPTS = 2
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    smtp.recorder.rcpt_replies.extend(["421 4.7.0 Busy", "452 4.3.1 Full"])
    worker.step()
    worker_clock.advance(minutes=1)
    worker.step()
    assert state() == ("failed", 2, "smtp_452")


def test_an_unreachable_server_costs_no_attempt_and_releases_the_claims(
    worker_clock, dr_grey, rita_reception, settings
):
    settings.BONTA_SMTP_HOST = "127.0.0.1"
    settings.BONTA_SMTP_PORT = free_port()  # nothing listens there
    for n in range(3):
        book(patient(rita_reception, n), rita_reception, dr_grey, NOW + timedelta(hours=n + 2))
    worker = Worker(clock=worker_clock, name="test-worker")

    assert worker.step() is False  # so `run` pauses rather than retrying at once
    tally = worker.run(once=True)

    assert (tally.sent, tally.by_code) == (0, {"connection_refused": 1})
    assert set(Reminder.objects.values_list("status", "attempts", "claimed_by")) == {
        ("pending", 0, "")
    }


def test_a_non_ascii_address_is_refused_before_anything_is_sent(
    smtp, worker, dr_grey, rita_reception
):
    book(
        patient(rita_reception, email="zoë@mail.example"),
        rita_reception,
        dr_grey,
        NOW + timedelta(hours=2),
    )
    worker.step()
    assert state() == ("failed", 1, "recipient_not_ascii")


# ---- the unknown: at most once -------------------------------------------------------------


def test_a_connection_lost_after_the_message_went_out_makes_it_uncertain_never_resent(
    worker_clock, dr_grey, rita_reception, settings
):
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    with DropsDuringData() as server:
        settings.BONTA_SMTP_HOST = "127.0.0.1"
        settings.BONTA_SMTP_PORT = server.port
        worker = Worker(clock=worker_clock, name="test-worker")
        worker.step()
        worker_clock.advance(days=1)
        worker.step()
    assert server.bodies == 1
    assert state() == ("uncertain", 1, "lost_during_data")
    assert AuditEvent.objects.filter(action="reminder.uncertain").count() == 1


def test_a_send_whose_worker_died_becomes_uncertain_when_its_lease_ends(
    smtp, worker, worker_clock, dr_grey, rita_reception
):
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    outbox.enqueue_due(NOW)
    (claimed,) = outbox.claim("dead-worker", NOW, 10)
    assert outbox.begin_send(claimed, "dead-worker", NOW) is not None  # then it died

    worker_clock.advance(seconds=299)
    worker.step()
    assert state()[0] == "sending"  # the lease (300 s) still runs

    worker_clock.advance(seconds=2)
    worker.step()
    worker_clock.advance(days=1)
    worker.step()
    assert state() == ("uncertain", 1, "lease_expired")
    assert smtp.recorder.count() == 0  # never resent by the worker


def test_claims_whose_worker_died_are_sent_by_another_once_the_lease_ends(
    smtp, worker, worker_clock, dr_grey, rita_reception
):
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    outbox.enqueue_due(NOW)
    outbox.claim("dead-worker", NOW, 10)  # claimed, never begun: nothing reached the server

    assert worker.step() is False
    worker_clock.advance(seconds=301)
    assert worker.step() is True
    assert (state()[0], smtp.recorder.count()) == ("sent", 1)


def test_a_late_acceptance_overrides_an_uncertain_verdict(smtp, dr_grey, rita_reception):
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    outbox.enqueue_due(NOW)
    (claimed,) = outbox.claim("slow", NOW, 1)
    letter = outbox.begin_send(claimed, "slow", NOW)
    outbox.expire_leases(NOW + timedelta(hours=1))
    assert state()[0] == "uncertain"
    assert outbox.mark_sent(letter, "slow", NOW + timedelta(hours=1))
    assert state()[0] == "sent"


# ---- stopping --------------------------------------------------------------------------------


def test_sigterm_finishes_the_message_in_hand_and_gives_back_the_rest(
    smtp, worker, dr_grey, rita_reception, monkeypatch
):
    for n in range(5):
        book(patient(rita_reception, n), rita_reception, dr_grey, NOW + timedelta(hours=n + 2))
    real_send = worker.sender.send

    def send_then_terminate(data, recipient):
        result = real_send(data, recipient)
        os.kill(os.getpid(), signal.SIGTERM)  # the worker's own handler sets `stopping`
        return result

    monkeypatch.setattr(worker.sender, "send", send_then_terminate)
    total = worker.run()

    assert (total.sent, smtp.recorder.count()) == (1, 1)
    assert sorted(Reminder.objects.values_list("status", "claimed_by")) == [
        ("pending", ""),
        ("pending", ""),
        ("pending", ""),
        ("pending", ""),
        ("sent", "test-worker"),
    ]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored


def test_logs_hold_codes_and_counts_never_an_address_or_a_name(
    smtp, worker, worker_clock, dr_grey, rita_reception, caplog
):
    book(patient(rita_reception, 1), rita_reception, dr_grey, NOW + timedelta(hours=2))
    book(patient(rita_reception, 2), rita_reception, dr_grey, NOW + timedelta(hours=3))
    smtp.recorder.rcpt_replies.append("550 5.1.1 <patient1@mail.example>: no such user")
    with caplog.at_level(logging.DEBUG, logger="bonta.reminders"):
        worker.step()
    assert "smtp_550" in caplog.text
    for secret in ("patient1@mail.example", "patient2@mail.example", "Zoë", "O'Brien"):
        assert secret not in caplog.text


def test_starttls_required_but_not_offered_sends_nothing_in_clear(
    smtp, worker_clock, dr_grey, rita_reception, settings
):
    settings.BONTA_SMTP_TLS = "starttls"  # the test server offers no STARTTLS
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    worker = Worker(clock=worker_clock, name="test-worker")

    tally = worker.run(once=True)

    assert tally.by_code == {"starttls_unsupported": 1}
    assert smtp.recorder.count() == 0
    assert state() == ("pending", 0, "")
