"""`bonta diary summarize`, run in-process through a parser built the way bonta.cli builds it."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bonta.cli.diary import add_parser
from bonta.domain.headache.days import DiaryDay
from bonta.migraine.diary_csv import write_diary_csv

FIRST_INJECTION = date(2025, 1, 6)
BASELINE_START = FIRST_INJECTION - timedelta(days=28)

DATA = Path(__file__).resolve().parents[1] / "domain" / "data"
Run = Callable[..., tuple[int, str, str]]


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="bonta")
    add_parser(top.add_subparsers(title="commands", metavar="COMMAND", required=True))
    return top


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def go(*argv: str) -> tuple[int, str, str]:
        args = parser().parse_args(["diary", "summarize", *argv])
        code = args.run(args)
        out, err = capsys.readouterr()
        return code, out, err

    return go


@pytest.fixture
def diary_file(tmp_path: Path) -> Callable[[list[DiaryDay]], str]:
    def write(days: list[DiaryDay]) -> str:
        path = tmp_path / "diary.csv"
        write_diary_csv(path, days)
        return str(path)

    return write


def days_after(start: date, n: int) -> date:
    return start + timedelta(days=n)


def block(start: date, headache: int, migraine: int) -> list[DiaryDay]:
    """28 recorded days: `migraine` migraine days (ICHD-3 1.3 C1), then other headache days."""
    days = []
    for i in range(28):
        on = days_after(start, i)
        if i < migraine:
            days.append(
                DiaryDay(on=on, headache=True, hours=Decimal(8), intensity=3, unilateral=True,
                         pulsating=True, nausea=True)
            )  # fmt: skip
        elif i < headache:
            days.append(DiaryDay(on=on, headache=True, hours=Decimal(6), intensity=1))
        else:
            days.append(DiaryDay(on=on, headache=False))
    return days


def periods_of(start: date, *blocks: tuple[int, int]) -> list[DiaryDay]:
    days: list[DiaryDay] = []
    for k, (h, m) in enumerate(blocks):
        days += block(days_after(start, 28 * k), h, m)
    return days


def treated_course() -> list[DiaryDay]:
    """Four chronic months before treatment, then two cycles at 14 headache days a month."""
    before = periods_of(days_after(FIRST_INJECTION, -112), (18, 9), (18, 9), (18, 9), (20, 10))
    return before + periods_of(FIRST_INJECTION, *[(16, 4)] * 3 + [(16, 4)] * 3)


def test_it_prints_the_documented_json_shape(run: Run, diary_file: Callable[..., str]) -> None:
    second = days_after(FIRST_INJECTION, 84)
    code, out, err = run(
        diary_file(treated_course()),
        "--injections",
        f"{FIRST_INJECTION},{second}",
        "--failed-preventives",
        "3",
        "--overuse-managed",
        "--as-of",
        str(days_after(FIRST_INJECTION, 167)),
        "--json",
    )
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert set(result) >= {"periods", "chronic_migraine", "medication_overuse", "nice"}
    first = result["periods"][0]
    assert set(first) >= {
        "start",
        "end",
        "days_recorded",
        "headache_days",
        "headache_days_4h",
        "migraine_days",
        "acute_medication_days",
    }
    baseline = next(p for p in result["periods"] if p["label"] == "baseline")
    assert (baseline["start"], baseline["headache_days"], baseline["migraine_days"]) == (
        str(BASELINE_START),
        20,
        10,
    )
    assert result["chronic_migraine"]["meets"] is True
    assert result["medication_overuse"] | {"detail": None} == result["medication_overuse"] | {
        "flag": False,
        "classes": [],
        "detail": None,
    }
    assert result["nice"]["initiation"]["eligible"] is True
    continuation = result["nice"]["continuation"]
    assert continuation["verdict"] == "stop_inadequate_response"  # 20 → 16: 20 %
    assert continuation["response"]["reduction_percent_highest"] == 20.0
    assert any("reduction 20.0%" in r for r in continuation["reasons"])


def test_without_injections_nothing_about_treatment_is_guessed(
    run: Run, diary_file: Callable[..., str]
) -> None:
    days = block(BASELINE_START, 16, 9)
    code, out, _ = run(diary_file(days), "--as-of", str(days[-1].on), "--json")
    result = json.loads(out)
    assert code == 0
    assert result["nice"]["continuation"]["verdict"] == "not_yet_evaluable"
    assert result["nice"]["initiation"]["eligible"] is False
    assert result["nice"]["initiation"]["criteria"] == {
        "chronic_migraine": "met",
        "failed_preventives": "not_evaluable",
        "overuse_managed": "not_evaluable",
    }
    assert (
        result["chronic_migraine"] | {"meets": False, "status": "not_evaluable"}
        == (result["chronic_migraine"])
    )


def test_a_bad_row_exits_2_with_its_line_and_field_on_one_line(run: Run) -> None:
    code, out, err = run(str(DATA / "diary-app-hours-over-24.csv"), "--as-of", "2025-06-01")
    assert (code, out) == (2, "")
    assert err == ("bonta diary summarize: line 4: hours: 25 is more than the 24 hours in a day\n")


def test_a_future_row_is_refused_against_the_as_of_date(run: Run) -> None:
    code, _, err = run(str(DATA / "diary-portal-complete-baseline.csv"), "--as-of", "2025-01-20")
    assert code == 2
    assert err.startswith("bonta diary summarize: line 22: date: 2025-01-21 is in the future")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--injections", "2025-13-01"], "--injections: '2025-13-01' is not a date"),
        (["--injections", "2025-01-29,"], "--injections: '' is not a date"),
        (["--failed-preventives", "three"], "--failed-preventives: 'three' must be a whole"),
        (["--failed-preventives", "-1"], "--failed-preventives: '-1' must be a whole"),
        (["--as-of", "yesterday"], "--as-of: 'yesterday' is not a date"),
        (["--injections", "2025-07-01"], "injections: 2025-07-01 is after 2025-06-01"),
        (
            ["--injections", "2025-01-29,2025-01-29"],
            "injections: the same date is listed twice",
        ),
    ],
)
def test_bad_options_exit_2_with_a_named_field(run: Run, argv: list[str], message: str) -> None:
    diary = str(DATA / "diary-portal-complete-baseline.csv")
    code, out, err = run(diary, "--as-of", "2025-06-01", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"bonta diary summarize: {message}")
    assert err.count("\n") == 1


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00garbage", b'date,headache\n"unterminated'])
def test_malformed_files_exit_2_without_a_traceback(
    run: Run, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, out, err = run(str(path), "--as-of", "2025-06-01")
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    assert err.startswith("bonta diary summarize: line ")
    assert err.count("\n") == 1


def test_a_missing_file_exits_2(run: Run, tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "absent.csv"))
    assert code == 2
    assert err.startswith("bonta diary summarize: diary: cannot read")


def test_without_json_it_prints_a_table_and_the_verdicts(run: Run) -> None:
    code, out, _ = run(
        str(DATA / "diary-portal-complete-baseline.csv"),
        "--injections",
        "2025-01-29",
        "--as-of",
        "2025-02-10",
    )
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["period", "start", "end"]
    assert "baseline  2025-01-01  2025-01-28  28/28     16        12    9" in out
    assert "NICE TA260 continuation: not_yet_evaluable" in out


def test_the_golden_baseline_gives_the_hand_counted_json(run: Run) -> None:
    code, out, _ = run(
        str(DATA / "diary-spreadsheet-bom-crlf-extra-columns.csv"),
        "--injections",
        "2025-01-29",
        "--as-of",
        "2025-01-29",
        "--json",
    )
    baseline = json.loads(out)["periods"][0]
    assert code == 0
    assert {k: baseline[k] for k in ("start", "end", "days_recorded")} == {
        "start": "2025-01-01",
        "end": "2025-01-28",
        "days_recorded": 28,
    }
    assert (baseline["headache_days"], baseline["headache_days_4h"]) == (16, 12)
    assert (baseline["migraine_days"], baseline["acute_medication_days"]) == (9, 12)


def test_an_unexpected_error_is_one_line_and_exit_3(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bonta.cli.diary as module

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(module, "summarize", boom)
    code, _, err = run(str(DATA / "diary-portal-complete-baseline.csv"), "--as-of", "2025-06-01")
    assert code == 3
    assert err == (
        "bonta diary summarize: internal error (a bug; please report it): RuntimeError: kaput\n"
    )


def test_the_default_analysis_date_is_todays_local_date(run: Run) -> None:
    code, out, _ = run(str(DATA / "diary-portal-complete-baseline.csv"), "--json")
    assert code == 0
    today = datetime.now(UTC).astimezone().date()
    assert json.loads(out)["as_of"] in {str(today - timedelta(days=1)), str(today)}  # midnight
