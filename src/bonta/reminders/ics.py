"""An iCalendar file for one appointment (RFC 5545), pure: no Django, no I/O.

What it guarantees, because calendar clients are strict in different ways:
- CRLF after every content line (RFC 5545 §3.1), UTF-8 (§3.1.4);
- lines folded so that no physical line exceeds 75 octets, never inside a UTF-8 sequence;
  a continuation line starts with one space, which counts towards its 75 (§3.1);
- TEXT values escaped: backslash, semicolon, comma, newline (§3.3.11); parameter values
  quoted when they hold ':' ';' ',' and stripped of DQUOTE and control characters (§3.2);
- times in UTC with the 'Z' form (§3.3.5 form #2), so no VTIMEZONE is needed;
- METHOD:PUBLISH (RFC 5546 §3.2.1: an event published to the patient, no reply expected);
  it requires ORGANIZER, DTSTAMP, DTSTART, SUMMARY and UID, all written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_OCTETS = 75
PRODID = "-//Bonta//Appointment reminders//EN"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True)
class Event:
    uid: str
    stamp: datetime  # aware
    start: datetime  # aware
    end: datetime  # aware
    summary: str
    location: str
    description: str
    organizer_name: str
    organizer_email: str


def calendar(event: Event) -> bytes:
    """The whole VCALENDAR as bytes, ready to attach (text/calendar; method=PUBLISH)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{text(event.uid)}",
        f"DTSTAMP:{utc(event.stamp)}",
        f"DTSTART:{utc(event.start)}",
        f"DTEND:{utc(event.end)}",
        f"SUMMARY:{text(event.summary)}",
        *([f"LOCATION:{text(event.location)}"] if event.location else []),
        *([f"DESCRIPTION:{text(event.description)}"] if event.description else []),
        f"ORGANIZER;CN={param(event.organizer_name)}:mailto:{event.organizer_email}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return b"".join(fold(line) for line in lines)


def utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def text(value: str) -> str:
    """A TEXT value, escaped (RFC 5545 §3.3.11); other control characters dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\n", "\\n")
    return _CONTROL.sub("", value)


def param(value: str) -> str:
    """A parameter value (§3.2): no DQUOTE or controls; quoted if it holds ':' ';' ','."""
    value = _CONTROL.sub("", value.replace('"', "").replace("\t", " "))
    return f'"{value}"' if any(c in value for c in ":;,") else value


def fold(line: str) -> bytes:
    """One content line as octets: folded at 75 octets, CRLF-terminated (§3.1)."""
    raw = line.encode("utf-8")
    pieces: list[bytes] = []
    limit = MAX_OCTETS
    while len(raw) > limit:
        cut = limit
        while cut > 0 and (raw[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            cut -= 1
        pieces.append(raw[:cut])
        raw = raw[cut:]
        limit = MAX_OCTETS - 1  # a continuation line's leading space is one of its octets
    pieces.append(raw)
    return b"\r\n ".join(pieces) + b"\r\n"
