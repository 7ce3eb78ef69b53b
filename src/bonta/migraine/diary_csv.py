"""Headache-diary CSV: one row per day, validated row by row, all or nothing.

Format (issue 4): a header row, then one row per date. Required columns, in any order:
``date`` (YYYY-MM-DD), ``headache``, ``hours``, ``intensity`` (0 none, 1 mild, 2 moderate,
3 severe), ``unilateral``, ``pulsating``, ``worse_with_activity``, ``nausea``, ``vomiting``,
``photophobia``, ``phonophobia``, ``aura``, ``believed_migraine``,
``relieved_by_triptan_or_ergot`` (1 or 0) and ``acute_medication`` (semicolon-separated
classes, empty for none). Further columns are ignored. Blank lines are skipped.

A bad row raises `DiaryImportError` naming its line (as a text editor counts them) and the
field; nothing is returned, so an import writes nothing. `today` is an explicit argument: no
clock is read here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.days import (
    DAY_FIELDS,
    DAY_FLAGS,
    MEDICATION_CLASSES,
    DiaryDay,
    MedicationClass,
)

COLUMNS: tuple[str, ...] = ("date", *DAY_FIELDS[1:])
FLAGS = DAY_FLAGS
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
HOURS = re.compile(r"\d+(\.\d+)?")


class DiaryImportError(InvalidInput):
    """A diary file is not acceptable; `line` is 1-based (the header is line 1)."""

    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(field, message)
        self.line = line
        self.message = f"line {line}: {field}: {message}"
        self.args = (self.message,)


# ---- reading -----------------------------------------------------------------------------------


def read_diary_csv(path: str | Path, today: date) -> tuple[DiaryDay, ...]:
    """Read and validate a diary file (UTF-8, a byte-order mark allowed)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise InvalidInput("diary", f"cannot read {path}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DiaryImportError(line, "file", "is not UTF-8 text") from None
    return parse_diary_csv(text, today)


def parse_diary_csv(text: str, today: date) -> tuple[DiaryDay, ...]:
    """Validate diary CSV text; return its days sorted by date, or raise DiaryImportError."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DiaryImportError(1, "file", "is empty; a header row is required")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = _header(next(reader))
        days: dict[date, DiaryDay] = {}
        seen_on: dict[date, int] = {}
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise DiaryImportError(
                    start, "row", f"has {len(row)} fields, the header has {len(header)}"
                )
            day = _day(start, dict(zip(header, row, strict=True)), today)
            if day.on in days:
                raise DiaryImportError(
                    start, "date", f"{day.on.isoformat()} is already on line {seen_on[day.on]}"
                )
            days[day.on] = day
            seen_on[day.on] = start
    except csv.Error as error:
        raise DiaryImportError(reader.line_num, "csv", f"malformed CSV ({error})") from None
    return tuple(days[d] for d in sorted(days))


def _header(row: Sequence[str]) -> list[str]:
    names = [cell.strip().lower() for cell in row]
    for name in names:
        if name and names.count(name) > 1:
            raise DiaryImportError(1, name, "is a column name used twice")
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise DiaryImportError(1, missing[0], "required column is missing from the header")
    return names


def _day(line: int, cells: Mapping[str, str], today: date) -> DiaryDay:
    values = {name: cells[name].strip() for name in COLUMNS}
    on = _date(line, values["date"], today)
    flags = {name: _flag(line, name, values[name]) for name in FLAGS}
    hours = _hours(line, values["hours"])
    intensity = _intensity(line, values["intensity"])
    medication = _medication(line, values["acute_medication"])
    if not flags["headache"] and hours > 0:
        raise DiaryImportError(line, "hours", "must be 0 when headache is 0")
    if not flags["headache"] and intensity > 0:
        raise DiaryImportError(line, "intensity", "must be 0 when headache is 0")
    try:
        return DiaryDay(
            on=on, hours=hours, intensity=intensity, acute_medication=medication, **flags
        )
    except InvalidInput as error:  # the domain's own checks, should the CSV ones miss one
        raise DiaryImportError(line, error.field, error.reason) from None


def _date(line: int, value: str, today: date) -> date:
    if not ISO_DATE.fullmatch(value):
        raise DiaryImportError(line, "date", f"{value!r} is not a date in YYYY-MM-DD form")
    try:
        on = date.fromisoformat(value)
    except ValueError:
        raise DiaryImportError(line, "date", f"{value!r} is not a real date") from None
    if on > today:
        raise DiaryImportError(line, "date", f"{value} is in the future (today is {today})")
    return on


def _flag(line: int, name: str, value: str) -> bool:
    if value not in ("0", "1"):
        raise DiaryImportError(line, name, f"{value!r} must be 1 (yes) or 0 (no)")
    return value == "1"


def _hours(line: int, value: str) -> Decimal:
    if not HOURS.fullmatch(value):
        if value.startswith("-"):
            raise DiaryImportError(line, "hours", f"{value!r} is negative")
        raise DiaryImportError(line, "hours", f"{value!r} is not a number of hours")
    try:
        hours = Decimal(value)
    except InvalidOperation:  # pragma: no cover — the pattern admits only decimals
        raise DiaryImportError(line, "hours", f"{value!r} is not a number") from None
    if hours > 24:
        raise DiaryImportError(line, "hours", f"{value} is more than the 24 hours in a day")
    return hours


def _intensity(line: int, value: str) -> int:
    if value not in ("0", "1", "2", "3"):
        raise DiaryImportError(
            line, "intensity", f"{value!r} must be 0 (none), 1 (mild), 2 (moderate) or 3 (severe)"
        )
    return int(value)


def _medication(line: int, value: str) -> frozenset[MedicationClass]:
    found: set[MedicationClass] = set()
    for part in value.split(";"):
        name = part.strip().lower()
        if not name:
            continue
        try:
            found.add(MedicationClass(name))
        except ValueError:
            known = ", ".join(MEDICATION_CLASSES)
            raise DiaryImportError(
                line, "acute_medication", f"unknown class {name!r} (known: {known})"
            ) from None
    return frozenset(found)


# ---- writing -----------------------------------------------------------------------------------


def format_diary_csv(days: Iterable[DiaryDay]) -> str:
    """The diary in the import format, sorted by date (round-trips through parse_diary_csv)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for day in sorted(days, key=lambda d: d.on):
        writer.writerow(_row(day))
    return out.getvalue()


def write_diary_csv(path: str | Path, days: Iterable[DiaryDay]) -> None:
    Path(path).write_text(format_diary_csv(days), encoding="utf-8", newline="")


def _row(day: DiaryDay) -> list[str]:
    cells = {name: "1" if getattr(day, name) else "0" for name in FLAGS}
    cells["date"] = day.on.isoformat()
    cells["hours"] = format(day.hours.copy_abs(), "f")  # never "-0"
    cells["intensity"] = str(day.intensity)
    cells["acute_medication"] = ";".join(
        c.value for c in MEDICATION_CLASSES if c in day.acute_medication
    )
    return [cells[name] for name in COLUMNS]
