"""The reminder e-mail: plain text and HTML in the clinic's name, with an .ics attachment.

Privacy: the subject, the calendar summary and the body name the clinic, the date, time and
site, never the treatment, pathway or kind of visit (an inbox or a shared calendar is seen by
others). The only patient datum in the message is the given name in the greeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from bonta.reminders import ics
from bonta.reminders.config import Clinic
from bonta.reminders.preferences import opt_out_token


# Built with the `email.mime` classes (as Django's own mail is): about four times faster than
# `EmailMessage`, which counts when thousands go out. Every part is base64 (76-character lines,
# RFC 2045 §6.8) of its canonical CRLF form, so no line length or line ending depends on the
# text. Headers may run to RFC 5322's 998 octets, so that the long List-Unsubscribe URL stays
# one plain line rather than an RFC 2047 encoded word that mail clients would not follow.
class _Wire(Compat32):
    """compat32 with CRLF, writing a plain ASCII header as it is (up to 998 octets) instead of
    re-encoding every header through `email.header.Header`, the slowest step of a send."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and value.isascii() and "\n" not in value and "\r" not in value:
            line = f"{name}: {value}{self.linesep}"
            if len(line) <= self.max_line_length:
                return line.encode("ascii")
        return super().fold_binary(name, value)


_WIRE = _Wire(linesep="\r\n", max_line_length=998)


@dataclass(frozen=True)
class Letter:
    """What one reminder says; built from the rows just before sending."""

    reminder_id: UUID
    appointment_id: UUID
    patient_id: UUID
    kind: str
    recipient: str
    given_name: str
    starts_at: datetime  # aware
    duration_minutes: int
    site: str  # the appointment's site code, "" for the clinic's only site


def message_id(reminder_id: UUID, clinic: Clinic) -> str:
    """Stable per reminder: a retry carries the same Message-ID (RFC 5322 §3.6.4)."""
    return f"<reminder.{reminder_id.hex}@{clinic.domain}>"


def calendar_uid(appointment_id: UUID, clinic: Clinic) -> str:
    """One UID per appointment, so every reminder for it updates the same calendar entry."""
    return f"{appointment_id}@{clinic.domain}"


def opt_out_url(reminder_id: UUID, clinic: Clinic) -> str:
    path = reverse("reminders:opt_out", kwargs={"token": opt_out_token(reminder_id)})
    return clinic.public_url + path


def as_bytes(message: MIMEMultipart) -> bytes:
    """The message on the wire: CRLF line endings, headers unfolded up to 998 octets."""
    return message.as_bytes(policy=_WIRE)


def subject(clinic: Clinic) -> str:
    return f"Appointment reminder: {clinic.name}"


def build(letter: Letter, clinic: Clinic, sender: str, *, now: datetime) -> MIMEMultipart:
    """The whole message, headers included; `sender` is the From and envelope address."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local = letter.starts_at.astimezone(zone)
    unsubscribe = opt_out_url(letter.reminder_id, clinic)
    context = {
        "clinic": clinic,
        "given_name": letter.given_name,
        "day": f"{local:%A} {local.day} {local:%B %Y}",
        "time": f"{local:%H:%M}",
        "zone": local.tzname() or settings.TIME_ZONE,
        "site": letter.site,
        "opt_out_url": unsubscribe,
    }
    msg = MIMEMultipart("mixed")
    msg["Subject"] = _header(subject(clinic))
    msg["From"] = formataddr((clinic.name, sender), charset="utf-8")
    msg["To"] = letter.recipient
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(letter.reminder_id, clinic)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    body = MIMEMultipart("alternative")
    for template, subtype in (("reminder.txt", "plain"), ("reminder.html", "html")):
        text = render_to_string(f"reminders/email/{template}", context)
        body.attach(MIMEText(_crlf(text), subtype, "utf-8"))  # utf-8: base64
    msg.attach(body)
    event = ics.Event(
        uid=calendar_uid(letter.appointment_id, clinic),
        stamp=now,
        start=letter.starts_at,
        end=letter.starts_at + timedelta(minutes=letter.duration_minutes),
        summary=f"Appointment at {clinic.name}",
        location=", ".join(p for p in (clinic.address, _site(letter.site)) if p),
        description=_how_to_change(clinic),
        organizer_name=clinic.name,
        organizer_email=sender,
    )
    calendar = MIMEBase("text", "calendar", method="PUBLISH", charset="utf-8")
    calendar.set_payload(ics.calendar(event))
    encoders.encode_base64(calendar)
    calendar.add_header("Content-Disposition", "attachment", filename="appointment.ics")
    msg.attach(calendar)
    return msg


def _header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _site(code: str) -> str:
    return f"site {code}" if code else ""


def _how_to_change(clinic: Clinic) -> str:
    if clinic.phone:
        return f"To move or cancel this appointment, call {clinic.phone} or reply to the e-mail."
    return "To move or cancel this appointment, reply to the reminder e-mail."
