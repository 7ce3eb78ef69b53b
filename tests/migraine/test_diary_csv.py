"""Diary CSV import and export: row-by-row validation, all or nothing, and round trips.

Golden files under tests/domain/data are named diary-<source>-<quirk>.csv.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonta.domain.errors import InvalidInput
from bonta.domain.headache.days import MEDICATION_CLASSES, DiaryDay, MedicationClass
from bonta.domain.headache.periods import count_days
from bonta.migraine.diary_csv import (
    COLUMNS,
    DiaryImportError,
    format_diary_csv,
    parse_diary_csv,
    read_diary_csv,
    write_diary_csv,
)

DATA = Path(__file__).parents[1] / "domain" / "data"
TODAY = date(2025, 6, 1)
HEADER = ",".join(COLUMNS)
FREE = "0,0,0,0,0,0,0,0,0,0,0,0,0,"  # every column after the date, for a headache-free day


def row(on: str = "2025-01-01", **cells: str) -> str:
    values = dict(zip(COLUMNS[1:], FREE.split(","), strict=True))
    values.update(cells)
    return ",".join([on, *(values[c] for c in COLUMNS[1:])])


def parse(*rows: str, header: str = HEADER) -> tuple[DiaryDay, ...]:
    return parse_diary_csv("\n".join([header, *rows]) + "\n", TODAY)


def error(*rows: str, header: str = HEADER) -> DiaryImportError:
    with pytest.raises(DiaryImportError) as raised:
        parse(*rows, header=header)
    return raised.value


# ---- golden files ------------------------------------------------------------------------------


def test_a_complete_portal_export_gives_the_hand_counted_numbers() -> None:
    days = read_diary_csv(DATA / "diary-portal-complete-baseline.csv", TODAY)
    counts = count_days({d.on: d for d in days}, date(2025, 1, 1), date(2025, 1, 28))
    assert counts.days_recorded == 28
    assert counts.headache_days == 16
    assert counts.headache_days_4h == 12
    assert counts.migraine_days == 9  # C1 ×7, aura only ×1, relieved triptan only ×1
    assert counts.acute_medication_days == 12
    assert dict(counts.acute_medication_days_by_class) == {
        MedicationClass.TRIPTAN: 5,
        MedicationClass.ERGOT: 0,
        MedicationClass.OPIOID: 0,
        MedicationClass.SIMPLE_ANALGESIC: 5,
        MedicationClass.COMBINATION_ANALGESIC: 1,
        MedicationClass.GEPANT: 1,
        MedicationClass.DITAN: 0,
        MedicationClass.OTHER: 1,
    }


def test_a_spreadsheet_export_with_bom_crlf_reordered_and_extra_columns_reads_the_same() -> None:
    plain = read_diary_csv(DATA / "diary-portal-complete-baseline.csv", TODAY)
    quirky = read_diary_csv(DATA / "diary-spreadsheet-bom-crlf-extra-columns.csv", TODAY)
    assert quirky == plain


def test_a_paper_diary_with_gaps_keeps_the_gaps_as_missing_days() -> None:
    days = read_diary_csv(DATA / "diary-paper-missing-days.csv", TODAY)
    counts = count_days({d.on: d for d in days}, date(2025, 1, 1), date(2025, 1, 28))
    assert (counts.days_recorded, counts.days_missing) == (20, 8)
    assert (counts.headache_days, counts.migraine_days) == (15, 9)


def test_a_duplicate_date_names_both_lines() -> None:
    with pytest.raises(DiaryImportError) as raised:
        read_diary_csv(DATA / "diary-app-duplicate-date.csv", TODAY)
    assert raised.value.message == "line 7: date: 2025-01-03 is already on line 4"


def test_hours_over_24_name_the_line_and_field() -> None:
    with pytest.raises(DiaryImportError) as raised:
        read_diary_csv(DATA / "diary-app-hours-over-24.csv", TODAY)
    assert raised.value.line == 4
    assert raised.value.field == "hours"
    assert raised.value.message == "line 4: hours: 25 is more than the 24 hours in a day"


def test_the_golden_portal_export_round_trips_byte_for_byte() -> None:
    path = DATA / "diary-portal-complete-baseline.csv"
    assert format_diary_csv(read_diary_csv(path, TODAY)) == path.read_text()


# ---- bad rows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        ({"headache": "1", "hours": "24.5"}, "hours", "24.5 is more than the 24 hours in a day"),
        ({"headache": "1", "hours": "-1"}, "hours", "'-1' is negative"),
        ({"headache": "1", "hours": "four"}, "hours", "'four' is not a number of hours"),
        ({"headache": "1", "hours": "1e1"}, "hours", "'1e1' is not a number of hours"),
        ({"headache": "1", "hours": ""}, "hours", "'' is not a number of hours"),
        ({"headache": "0", "hours": "2"}, "hours", "must be 0 when headache is 0"),
        ({"headache": "0", "intensity": "1"}, "intensity", "must be 0 when headache is 0"),
        (
            {"intensity": "4"},
            "intensity",
            "'4' must be 0 (none), 1 (mild), 2 (moderate) or 3 (severe)",
        ),
        ({"nausea": "yes"}, "nausea", "'yes' must be 1 (yes) or 0 (no)"),
        ({"headache": ""}, "headache", "'' must be 1 (yes) or 0 (no)"),
        (
            {"acute_medication": "triptan;aspirin"},
            "acute_medication",
            "unknown class 'aspirin' (known: " + ", ".join(MEDICATION_CLASSES) + ")",
        ),
    ],
)
def test_a_bad_cell_is_reported_with_its_line_and_field(
    cells: dict[str, str], field: str, message: str
) -> None:
    found = error(row("2025-01-01"), row("2025-01-02", **cells))
    assert (found.line, found.field, found.reason) == (3, field, message)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-02-30", "'2025-02-30' is not a real date"),
        ("2025/01/01", "'2025/01/01' is not a date in YYYY-MM-DD form"),
        ("20250101", "'20250101' is not a date in YYYY-MM-DD form"),
        ("", "'' is not a date in YYYY-MM-DD form"),
        ("2025-06-02", "2025-06-02 is in the future (today is 2025-06-01)"),
    ],
)
def test_a_bad_or_future_date_is_refused(value: str, message: str) -> None:
    found = error(row(value))
    assert (found.line, found.field, found.reason) == (2, "date", message)


def test_today_itself_is_not_in_the_future() -> None:
    assert parse(row("2025-06-01"))[0].on == TODAY


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(DiaryImportError, match="line 1: file: is empty"):
        parse_diary_csv("", TODAY)


def test_a_header_with_no_rows_is_an_empty_diary() -> None:
    assert parse() == ()


def test_a_missing_required_column_is_named() -> None:
    header = HEADER.replace(",photophobia", "")
    found = error(header=header)
    assert (found.line, found.field) == (1, "photophobia")


def test_a_column_named_twice_is_refused() -> None:
    found = error(header=HEADER + ",aura")
    assert (found.line, found.field) == (1, "aura")


def test_a_row_with_the_wrong_number_of_fields_is_malformed() -> None:
    found = error(row("2025-01-01"), row("2025-01-02") + ",extra")
    assert (found.line, found.field) == (3, "row")


def test_an_unterminated_quote_is_malformed_csv() -> None:
    found = error(row("2025-01-01"), '2025-01-02,"1,0')
    assert found.field == "csv"
    assert found.message.startswith("line ")


def test_line_numbers_count_physical_lines_past_blank_lines_and_multiline_cells() -> None:
    header = HEADER + ",notes"
    found = error(
        row("2025-01-01") + ',"two\nlines"',
        "",
        row("2025-01-02", intensity="9") + ",",
        header=header,
    )
    assert found.line == 5


def test_the_first_bad_row_stops_the_import_and_nothing_is_returned() -> None:
    good = [row(f"2025-01-{d:02d}") for d in range(1, 10)]
    with pytest.raises(DiaryImportError) as raised:
        parse(*good, row("2025-01-10", hours="x", headache="1"), row("2025-01-11"))
    assert raised.value.line == 11


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + row() + "\n").encode() + b"2025-01-02,caf\xe9\n")
    with pytest.raises(DiaryImportError) as raised:
        read_diary_csv(path, TODAY)
    assert (raised.value.line, raised.value.field) == (3, "file")


def test_an_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as raised:
        read_diary_csv(tmp_path / "absent.csv", TODAY)
    assert raised.value.field == "diary"


def test_rows_come_back_sorted_by_date() -> None:
    days = parse(row("2025-01-03"), row("2025-01-01"), row("2025-01-02"))
    assert [d.on.day for d in days] == [1, 2, 3]


def test_medication_classes_may_be_spaced_repeated_or_trailing() -> None:
    (day,) = parse(row(acute_medication=" triptan ; triptan;gepant;"))
    assert day.acute_medication == {MedicationClass.TRIPTAN, MedicationClass.GEPANT}


# ---- export and round trip ---------------------------------------------------------------------


@st.composite
def diary_days(draw: st.DrawFn) -> list[DiaryDay]:
    offsets = draw(st.sets(st.integers(0, 400), max_size=30))
    days = []
    for offset in sorted(offsets):
        on = date.fromordinal(date(2024, 1, 1).toordinal() + offset)
        headache = draw(st.booleans())
        flags = {
            name: draw(st.booleans())
            for name in COLUMNS
            if name not in ("date", "headache", "hours", "intensity", "acute_medication")
        }
        days.append(
            DiaryDay(
                on=on,
                headache=headache,
                hours=draw(st.decimals(0, 24, places=2)) if headache else Decimal(0),
                intensity=draw(st.integers(0, 3)) if headache else 0,
                acute_medication=frozenset(draw(st.sets(st.sampled_from(MEDICATION_CLASSES)))),
                **flags,
            )
        )
    return days


@given(diary_days())
@settings(max_examples=150, deadline=None)
def test_export_then_import_gives_the_same_diary(days: list[DiaryDay]) -> None:
    assert list(parse_diary_csv(format_diary_csv(days), TODAY)) == days


@given(diary_days())
@settings(max_examples=50, deadline=None)
def test_import_then_export_is_stable(days: list[DiaryDay]) -> None:
    text = format_diary_csv(days)
    assert format_diary_csv(parse_diary_csv(text, TODAY)) == text


def test_write_then_read_a_file(tmp_path: Path) -> None:
    days = [DiaryDay(on=date(2025, 1, 1), headache=True, hours=Decimal("2.50"), intensity=2)]
    write_diary_csv(tmp_path / "out.csv", days)
    assert read_diary_csv(tmp_path / "out.csv", TODAY) == tuple(days)
    assert (tmp_path / "out.csv").read_text().splitlines()[1].startswith("2025-01-01,1,2.50,2,")
