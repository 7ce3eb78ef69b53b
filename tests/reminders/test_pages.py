"""The manager's outbox page, the chart panel's staff toggle, and the patient's opt-out link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from bonta.audit.models import AuditEvent
from bonta.reminders import outbox, preferences
from bonta.reminders.models import Reminder, ReminderPreference

from .builders import patient
from .conftest import NOW, book

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reminder(dr_grey, rita_reception) -> Reminder:
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=2))
    outbox.enqueue_due(NOW)
    return Reminder.objects.get()


def make_uncertain(reminder: Reminder) -> None:
    outbox.claim("gone", NOW, 1)
    outbox.begin_send(reminder.pk, "gone", NOW)
    outbox.expire_leases(NOW + timedelta(hours=1))


# ---- the outbox page -----------------------------------------------------------------------


def test_the_manager_sees_counts_and_the_uncertain_reminder_with_its_message_id(
    reminder, max_manager
):
    make_uncertain(reminder)
    page = client_for(max_manager).get("/reminders/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<th scope="col" class="num">Uncertain: check by hand</th>' in html
    assert f"&lt;reminder.{reminder.pk.hex}@clinic.example&gt;" in html
    assert "R-0001" in html
    assert "lease_expired" in html
    assert "patient1@mail.example" not in html
    assert "Zoë" not in html
    assert AuditEvent.objects.filter(action="reminder.outbox").exists()
    assert 'href="/reminders/">Reminders</a>' in html  # the nav link, for managers


@pytest.mark.parametrize("persona", ["dr_grey", "nurse_noor", "rita_reception"])
def test_other_roles_may_not_open_the_outbox(reminder, persona, request):
    page = client_for(request.getfixturevalue(persona)).get("/reminders/")
    assert page.status_code == 403
    assert 'href="/reminders/"' not in page.content.decode()


def test_the_manager_records_that_an_uncertain_reminder_arrived(reminder, max_manager):
    make_uncertain(reminder)
    client_for(max_manager).post(f"/reminders/{reminder.pk}/resolve/", {"outcome": "delivered"})
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    event = AuditEvent.objects.get(action="reminder.resolve")
    assert (event.actor_role, event.detail["status"]) == ("manager", "sent")


def test_the_manager_sends_an_uncertain_reminder_again_and_it_is_pending(reminder, max_manager):
    make_uncertain(reminder)
    client_for(max_manager).post(f"/reminders/{reminder.pk}/resolve/", {"outcome": "resend"})
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.claimed_by) == ("pending", 0, "")


def test_a_pending_reminder_cannot_be_settled_and_nothing_changes(reminder, max_manager):
    page = client_for(max_manager).post(
        f"/reminders/{reminder.pk}/resolve/", {"outcome": "delivered"}, follow=True
    )
    assert "cannot be settled" in page.content.decode()
    reminder.refresh_from_db()
    assert reminder.status == "pending"
    assert not AuditEvent.objects.filter(action="reminder.resolve").exists()


# ---- the chart panel -----------------------------------------------------------------------


def test_the_chart_shows_the_reminder_panel_and_staff_can_stop_and_restart_emails(
    reminder, dr_grey
):
    client = client_for(dr_grey)
    chart = client.get(f"/patients/{reminder.patient_id}/").content.decode()
    assert "Appointment reminders" in chart
    assert "Stop reminder e-mails" in chart

    client.post(f"/reminders/patients/{reminder.patient_id}/preference/", {"email_opt_out": "1"})
    chart = client.get(f"/patients/{reminder.patient_id}/").content.decode()
    assert "Opted out" in chart
    assert "Send reminder e-mails again" in chart
    reminder.refresh_from_db()
    assert (reminder.status, reminder.cancel_reason) == ("cancelled", "opted_out")

    client.post(f"/reminders/patients/{reminder.patient_id}/preference/", {"email_opt_out": "0"})
    assert not ReminderPreference.objects.get().email_opt_out
    assert [e.detail for e in AuditEvent.objects.filter(action="reminder.preference")] == [
        {"status": "opted_out", "count": 1},
        {"status": "opted_in", "count": 1},  # the cancelled reminder restored
    ]


def test_setting_the_same_preference_twice_writes_nothing_the_second_time(alice, rita_reception):
    assert preferences.set_email_opt_out(alice, opted_out=True, by=rita_reception)
    assert not preferences.set_email_opt_out(alice, opted_out=True, by=rita_reception)
    assert AuditEvent.objects.filter(action="reminder.preference").count() == 1
    assert not preferences.set_email_opt_out(
        patient(rita_reception, 9), opted_out=False, by=rita_reception
    )
    assert ReminderPreference.objects.count() == 1  # opting in needs no row


# ---- the opt-out link (no sign-in) ---------------------------------------------------------


def opt_out_path(reminder: Reminder) -> str:
    return f"/reminders/opt-out/{preferences.opt_out_token(reminder.pk)}/"


def test_opening_the_link_asks_and_changes_nothing(reminder):
    page = Client().get(opt_out_path(reminder))
    assert page.status_code == 200
    assert "Stop appointment reminder e-mails?" in page.content.decode()
    assert not ReminderPreference.objects.exists()


def test_confirming_records_the_opt_out_once_audited_and_cancels_pending(reminder):
    first = Client().post(opt_out_path(reminder))
    second = Client().post(opt_out_path(reminder))
    assert (first.status_code, second.status_code) == (200, 200)
    assert "Reminder e-mails stopped" in second.content.decode()
    preference = ReminderPreference.objects.get()
    assert (preference.patient_id, preference.email_opt_out) == (reminder.patient_id, True)
    reminder.refresh_from_db()
    assert reminder.status == "cancelled"
    (event,) = AuditEvent.objects.filter(action="reminder.opt_out_link")
    assert (event.actor_id, event.patient_id, event.detail) == (
        None,
        reminder.patient_id,
        {"status": "opted_out", "count": 1},
    )


def test_mail_clients_one_click_post_opts_out_without_a_csrf_token(reminder):
    client = Client(enforce_csrf_checks=True)
    page = client.post(opt_out_path(reminder), {"List-Unsubscribe": "One-Click"})
    assert page.status_code == 200
    assert ReminderPreference.objects.get().email_opt_out


@pytest.mark.parametrize(
    "token",
    ["nonsense", "0" * 32 + ":forged", "{valid}x"],
)
def test_a_forged_or_altered_link_is_refused_and_writes_nothing(reminder, token):
    token = token.replace("{valid}", preferences.opt_out_token(reminder.pk))
    page = Client().post(f"/reminders/opt-out/{token}/")
    assert page.status_code == 404
    assert "not valid" in page.content.decode()
    assert not ReminderPreference.objects.exists()
