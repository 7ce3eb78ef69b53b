"""The .ics writer at its edges: folding at 75 octets (never inside a character), escaping,
quoting, UTC times — checked by a strict reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bonta.reminders import ics

from . import icscheck

START = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)


def event(**overrides: object) -> ics.Event:
    fields: dict[str, object] = {
        "uid": "8c4e0b2a-0000-4000-8000-000000000001@clinic.example",
        "stamp": START - timedelta(days=1),
        "start": START,
        "end": START + timedelta(minutes=30),
        "summary": "Appointment at Harbour Clinic",
        "location": "1 Quay Street, Bristol",
        "description": "To move or cancel this appointment, call 0117 496 0000.",
        "organizer_name": "Harbour Clinic",
        "organizer_email": "reminders@clinic.example",
    }
    fields.update(overrides)
    return ics.Event(**fields)  # type: ignore[arg-type]


def test_every_line_ends_in_crlf_and_the_file_parses():
    data = ics.calendar(event())
    assert data.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert data.endswith(b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    icscheck.parse(data)


@pytest.mark.parametrize("char", ["a", "é", "€", "😀"])  # 1, 2, 3 and 4 octets in UTF-8
def test_long_lines_fold_at_75_octets_without_splitting_a_character(char: str):
    summary = "Appointment at " + char * 200
    data = ics.calendar(event(summary=summary))
    lines = icscheck.physical_lines(data)
    assert max(len(line) for line in lines) <= 75
    assert any(len(line) >= 72 for line in lines)  # folded near the limit, not early
    assert icscheck.event(data).one("SUMMARY") == summary


def test_a_line_of_exactly_75_octets_is_not_folded():
    line = "X" * 75
    assert ics.fold(line) == line.encode() + b"\r\n"
    assert ics.fold(line + "Y") == line.encode() + b"\r\n Y\r\n"


def test_text_is_escaped_and_unescapes_to_the_original():
    tricky = 'Back\\slash; semi, comma\nnew line\r\nCRLF "quote"'
    data = ics.calendar(event(location=tricky, description=tricky))
    parsed = icscheck.event(data)
    assert icscheck.unescape(parsed.one("LOCATION")) == tricky.replace("\r\n", "\n")
    assert "\\;" in parsed.one("LOCATION")
    assert "\\," in parsed.one("LOCATION")


def test_a_parameter_with_special_characters_is_quoted_without_inner_quotes():
    data = ics.calendar(event(organizer_name='Dr "Who", Skin: Clinic; Ltd'))
    assert icscheck.event(data).params("ORGANIZER") == {"CN": "Dr Who, Skin: Clinic; Ltd"}


def test_times_are_written_in_utc_whatever_their_zone():
    plus_two = timezone(timedelta(hours=2))
    data = ics.calendar(event(start=datetime(2025, 7, 1, 11, 0, tzinfo=plus_two)))
    assert icscheck.event(data).one("DTSTART") == "20250701T090000Z"


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        ics.calendar(event(start=datetime(2025, 7, 1, 11, 0)))  # noqa: DTZ001


def broken(kind: str) -> bytes:
    good = ics.calendar(event())
    if kind == "LF only":
        return good.replace(b"\r\n", b"\n")
    if kind == "long line":
        return good.replace(b"SUMMARY:", b"SUMMARY:" + b"x" * 80)
    if kind == "split character":
        e = "é".encode()
        return b"BEGIN:VCALENDAR\r\nX-A:" + e[:1] + b"\r\n " + e[1:] + b"\r\nEND:VCALENDAR\r\n"
    if kind == "unescaped comma":
        return good.replace(b"\\, Bristol", b", Bristol")
    assert kind == "missing UID"
    lines = [line for line in good.split(b"\r\n") if line and not line.startswith(b"UID")]
    return b"".join(line + b"\r\n" for line in lines)


@pytest.mark.parametrize(
    "kind", ["LF only", "long line", "split character", "unescaped comma", "missing UID"]
)
def test_the_strict_reader_rejects_what_the_writer_must_never_produce(kind: str):
    with pytest.raises(icscheck.IcsError):
        icscheck.parse(broken(kind))
