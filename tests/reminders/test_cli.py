"""`bonta worker`: refuses to start without a mail server, and `--status` prints the outbox
with ids and codes only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from bonta.cli import EXIT_BLOCKED, EXIT_OK, main
from bonta.reminders import outbox

from .builders import patient
from .conftest import NOW, book

pytestmark = pytest.mark.django_db


def test_the_worker_refuses_to_start_without_an_smtp_host(settings, capsys):
    settings.BONTA_SMTP_HOST = ""
    assert main(["worker", "--once"]) == EXIT_BLOCKED
    assert "BONTA_SMTP_HOST is not set" in capsys.readouterr().err


def test_the_worker_refuses_a_malformed_tls_mode(settings, capsys):
    settings.BONTA_SMTP_HOST = "mail.clinic.example"
    settings.BONTA_SMTP_TLS = "maybe"
    assert main(["worker", "--once"]) == EXIT_BLOCKED
    assert "BONTA_SMTP_TLS must be one of starttls, tls, none" in capsys.readouterr().err


def test_one_pass_enqueues_and_sends_what_is_due(smtp, dr_grey, rita_reception, capsys):
    soon = timezone.now() + timedelta(hours=2)  # the command runs on the real clock
    book(patient(rita_reception), rita_reception, dr_grey, soon)
    assert main(["worker", "--once"]) == EXIT_OK
    assert "1 sent" in capsys.readouterr().out
    assert smtp.recorder.count() == 1


def test_status_lists_uncertain_reminders_by_id_and_message_id_without_patient_data(
    dr_grey, rita_reception, capsys
):
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    outbox.enqueue_due(NOW)
    (claimed,) = outbox.claim("gone", NOW, 1)
    outbox.begin_send(claimed, "gone", NOW)
    outbox.expire_leases(NOW + timedelta(hours=1))

    assert main(["worker", "--status"]) == EXIT_OK
    out = capsys.readouterr().out
    status = json.loads(out)
    assert status["counts"]["uncertain"] == 1
    (problem,) = status["problems"]
    assert problem["message_id"] == f"<reminder.{claimed.hex}@clinic.example>"
    assert problem["last_error"] == "lease_expired"
    assert "mail.example" not in out
    assert "Zoë" not in out
