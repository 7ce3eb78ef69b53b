"""What the patient receives: the clinic's name, the local date and time, the site, how to
reschedule, an opt-out link, a valid .ics — and nothing that discloses the treatment."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bonta.reminders.models import Reminder

from . import icscheck
from .builders import patient
from .conftest import NOW, SENDER, book

pytestmark = pytest.mark.django_db

DISCLOSING = re.compile(
    r"botox|botul|toxin|migraine|headache|cosmetic|wrinkle|glabell|touch.?up|cycle|inject"
    r"|review|consultation|dysport|xeomin|bocouture|neurolog",
    re.IGNORECASE,
)


@pytest.fixture
def arrived(smtp, worker, dr_grey, rita_reception):
    """One reminder for a chronic-migraine cycle at a named site, sent and received."""
    alice = patient(rita_reception)
    visit = book(
        alice,
        rita_reception,
        dr_grey,
        NOW + timedelta(hours=30),  # Tuesday 11 March 2025 15:00 UTC
        minutes=45,
        pathway="chronic_migraine",
        kind="cycle",
        clinic="north",
    )
    worker.step()
    (received,) = smtp.recorder.received
    return received, visit, Reminder.objects.get()


def test_subject_summary_and_body_never_disclose_the_treatment(arrived):
    received, _, _ = arrived
    message = received.parsed()
    summary = icscheck.event(attachment(message)).one("SUMMARY")
    assert message["Subject"] == "Appointment reminder: Harbour Clinic"
    assert summary == "Appointment at Harbour Clinic"
    for text in (message["Subject"], summary, plain(message), html(message)):
        assert not DISCLOSING.search(text), text


def test_the_body_gives_the_local_time_site_and_how_to_reschedule(arrived):
    received, _, _ = arrived
    body = plain(received.parsed())
    assert "Hello Zoë," in body
    assert "Tuesday 11 March 2025 at 15:00 (GMT time)" in body
    assert "1 Quay Street, Bristol" in body
    assert "Site: north" in body
    assert "please call us on 0117 496 0000 or reply to this e-mail" in body


def test_times_are_in_the_clinics_time_zone(smtp, worker, dr_grey, rita_reception, settings):
    settings.TIME_ZONE = "America/New_York"  # EDT from 9 March 2025: UTC-4
    book(patient(rita_reception), rita_reception, dr_grey, NOW + timedelta(hours=30))
    worker.step()
    assert "Tuesday 11 March 2025 at 11:00 (EDT time)" in plain(smtp.recorder.received[0].parsed())


def test_headers_name_the_clinic_and_carry_a_stable_message_id_and_one_click_opt_out(arrived):
    received, _, reminder = arrived
    message = received.parsed()
    token_url = re.search(r"https://clinic\.example/reminders/opt-out/[^/\s]+/", plain(message))
    assert token_url
    assert message["From"] == f"Harbour Clinic <{SENDER}>"
    assert message["To"] == "patient1@mail.example"
    assert message["Message-ID"] == f"<reminder.{reminder.pk.hex}@clinic.example>"
    assert message["List-Unsubscribe"] == f"<{token_url.group(0)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert token_url.group(0) in html(message)


def test_the_whole_message_travels_with_crlf_line_endings(arrived):
    received, _, _ = arrived
    assert b"\n" not in received.data.replace(b"\r\n", b"")


def test_the_opt_out_header_is_one_plain_line_and_body_lines_stay_short(arrived):
    received, _, _ = arrived
    head, body = received.data.split(b"\r\n\r\n", 1)
    (line,) = [h for h in head.split(b"\r\n") if h.startswith(b"List-Unsubscribe:")]
    assert re.fullmatch(
        rb"List-Unsubscribe: <https://clinic\.example/reminders/opt-out/\S+/>", line
    )
    encoded = [line for line in body.split(b"\r\n") if not line.startswith(b"Content-")]
    assert max(len(line) for line in encoded) <= 76  # quoted-printable and base64 (RFC 2045)


def test_the_calendar_attachment_is_strict_rfc_5545(arrived):
    received, visit, _ = arrived
    part = next(p for p in received.parsed().iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "PUBLISH"
    assert part.get_filename() == "appointment.ics"
    data = attachment(received.parsed())
    calendar = icscheck.parse(data)
    assert calendar.one("METHOD") == "PUBLISH"
    event = icscheck.event(data)
    assert event.one("UID") == f"{visit.pk}@clinic.example"
    assert event.one("DTSTART") == "20250311T150000Z"
    assert event.one("DTEND") == "20250311T154500Z"
    assert event.one("DTSTAMP") == "20250310T090000Z"
    assert icscheck.unescape(event.one("LOCATION")) == "1 Quay Street, Bristol, site north"
    assert event.one("ORGANIZER") == f"mailto:{SENDER}"
    assert event.params("ORGANIZER") == {"CN": "Harbour Clinic"}


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def html(message) -> str:
    return message.get_body(("html",)).get_content()


def attachment(message) -> bytes:
    return next(p for p in message.iter_attachments()).get_payload(decode=True)
