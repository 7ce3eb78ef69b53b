"""`bonta schedule next HISTORY.json --json` through `add_parser`/`run` on a throwaway parser.

Valid input: exit 0 and the proposal on stdout. Invalid input: exit 2, one line on stderr naming
the field, nothing on stdout, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bonta.cli import schedule as cli_schedule

Run = Callable[..., tuple[int, str, str]]


def history_file(**changes: Any) -> dict[str, Any]:
    """Glabellar lines with BOTOX Cosmetic on 15 June 2026, two earlier sessions on record."""
    data: dict[str, Any] = {
        "on": "2026-06-15",
        "pathway": "cosmetic",
        "product": "botox_cosmetic",
        "area": "glabellar_lines",
        "history": [
            {
                "date": "2025-05-11",
                "product": "botox_cosmetic",
                "units": 20,
                "area": "glabellar_lines",
                "wore_off_on": "2025-08-17",
            },
            {
                "date": "2025-11-27",
                "product": "botox_cosmetic",
                "units": 20,
                "area": "glabellar_lines",
                "wore_off_on": "2026-03-27",
            },
        ],
    }
    data.update(changes)
    return data


def with_record(index: int, **changes: Any) -> dict[str, Any]:
    data = history_file()
    data["history"][index].update(changes)
    return data


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="bonta")
    cli_schedule.add_parser(top.add_subparsers())
    return top


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    def run_(
        data: object, *options: str, raw: bool = False, stdin: bool = False
    ) -> tuple[int, str, str]:
        text = data if raw else json.dumps(data)
        assert isinstance(text, str)
        if stdin:
            monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
            target = "-"
        else:
            path = tmp_path / "history.json"
            path.write_text(text, encoding="utf-8")
            target = str(path)
        args = parser().parse_args(["schedule", "next", target, *options])
        code = args.run(args)
        out, err = capsys.readouterr()
        return code, out, err

    return run_


def assert_refused(result: tuple[int, str, str], field: str, words: str = "") -> None:
    code, out, err = result
    assert (code, out) == (2, "")
    assert err.startswith(f"bonta: {field}: "), err
    assert err.count("\n") == 1
    assert words in err
    assert "Traceback" not in err


# ---- valid input ----------------------------------------------------------------------------


def test_a_returning_patient_gets_a_personal_touch_up_window(run: Run) -> None:
    code, out, err = run(history_file(), "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    # prior 4 months = 122 days; observed 98 and 120; (2 × 122 + 218) / 4 = 115.5 → 116
    assert {k: result[k] for k in ("earliest", "recommended", "latest", "basis", "review")} == {
        "earliest": "2026-09-13",
        "recommended": "2026-10-09",
        "latest": "2026-10-13",
        "basis": "personal",
        "review": None,
    }
    assert "lasted 98–120 days (mean 109)" in result["explanation"]
    assert set(result) == {"earliest", "recommended", "latest", "basis", "explanation", "review"}


def test_a_new_patient_gets_the_population_window_and_a_review(run: Run) -> None:
    code, out, _ = run(history_file(history=[]), "--json")
    result = json.loads(out)
    assert code == 0
    assert (result["basis"], result["recommended"], result["review"]) == (
        "population",
        "2026-10-15",
        "2026-06-29",
    )
    assert result["explanation"].startswith("First glabellar lines treatment on record")


def test_the_migraine_cycle_is_twelve_weeks(run: Run) -> None:
    data = history_file(
        pathway="chronic_migraine", product="botox", area="chronic_migraine", history=[]
    )
    code, out, _ = run(data, "--json")
    result = json.loads(out)
    assert code == 0
    assert (result["earliest"], result["recommended"], result["latest"]) == (
        "2026-09-07",
        "2026-09-07",
        "2026-09-07",
    )
    assert result["basis"] == "label_minimum"


def test_the_file_may_come_on_stdin(run: Run) -> None:
    code, out, _ = run(history_file(), "--json", stdin=True)
    assert code == 0
    assert json.loads(out)["basis"] == "personal"


def test_without_json_it_prints_text(run: Run) -> None:
    code, out, err = run(history_file(history=[]))
    assert (code, err) == (0, "")
    assert out.splitlines()[:5] == [
        "review       2026-06-29",
        "earliest     2026-09-13",
        "recommended  2026-10-15",
        "latest       2026-10-15",
        "basis        population",
    ]


def test_a_null_wear_off_date_means_not_reported(run: Run) -> None:
    code, out, _ = run(with_record(1, wore_off_on=None), "--json")
    assert code == 0
    assert "your 1 recorded treatment" in json.loads(out)["explanation"]


def test_the_clinic_minimum_enables_a_dysport_proposal(run: Run) -> None:
    data = history_file(product="dysport", history=[])
    code, out, _ = run(data, "--json", "--clinic-minimum-days", "100")
    result = json.loads(out)
    assert code == 0
    assert result["earliest"] == "2026-09-23"
    assert "clinic's own minimum of 100 days" in result["explanation"]
    assert "weak source: needs verification" in result["explanation"]


def test_the_policy_options_reach_the_model(run: Run) -> None:
    code, out, _ = run(
        history_file(history=[]), "--json", "--review-after-days", "10", "--prior-weight", "0"
    )
    assert code == 0
    assert json.loads(out)["review"] == "2026-06-25"
    data = history_file(
        pathway="chronic_migraine", product="botox", area="chronic_migraine", history=[]
    )
    code, out, _ = run(data, "--json", "--cycle-tolerance-days", "7")
    assert json.loads(out)["latest"] == "2026-09-14"


# ---- bad input: exit 2, one line naming the field -------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (history_file(on="2026/06/15"), "on", "YYYY-MM-DD"),
        (history_file(on="2026-02-30"), "on", "is not a calendar date"),
        (history_file(on=20260615), "on", "must be a string"),
        (with_record(0, date="15-05-2025"), "history[0].date", "YYYY-MM-DD"),
        (with_record(1, wore_off_on="2026-3-27"), "history[1].wore_off_on", "YYYY-MM-DD"),
        (
            with_record(1, date="2025-01-01", wore_off_on=None),
            "history[1].date",
            "2025-01-01 is before history[0].date 2025-05-11: list the history oldest first",
        ),
        (
            with_record(1, wore_off_on="2025-11-26"),
            "history[1].wore_off_on",
            "2025-11-26 is before the treatment's date 2025-11-27",
        ),
        (
            with_record(0, wore_off_on="2025-12-01"),
            "history[0].wore_off_on",
            "is after the next glabellar_lines treatment on 2025-11-27",
        ),
        (
            with_record(1, date="2026-06-16", wore_off_on=None),
            "history[1].date",
            "is after on (2026-06-15)",
        ),
        (history_file(product="botax"), "product", "unknown product 'botax'"),
        (with_record(0, product="botax"), "history[0].product", "unknown product 'botax'"),
        (history_file(area="cheeks"), "area", "unknown treatment area 'cheeks'"),
        (with_record(1, area="cheeks"), "history[1].area", "unknown treatment area 'cheeks'"),
        (history_file(pathway="hyperhidrosis"), "pathway", "unknown pathway 'hyperhidrosis'"),
        (history_file(area="chronic_migraine"), "area", "is a chronic_migraine area"),
        (history_file(product="botox"), "product", "not labelled for cosmetic"),
        (with_record(0, units=0), "history[0].units", "greater than 0, not 0"),
        (with_record(0, units=-4), "history[0].units", "greater than 0, not -4"),
        (with_record(0, units="20"), "history[0].units", "not a string"),
        (with_record(0, units="lots"), "history[0].units", "not a string"),
        (with_record(0, units=None), "history[0].units", "not null"),
        (with_record(0, units=True), "history[0].units", "not true"),
        (with_record(0, units=0.001), "history[0].units", "at most 2 decimal places"),
        (history_file(history={}), "history", "must be a JSON array"),
        (history_file(history=[1]), "history[0]", "must be a JSON object"),
        (history_file(extra=1), "extra", "unknown key 'extra'"),
        (with_record(0, pathway="cosmetic"), "history[0].pathway", "unknown key"),
        ({"on": "2026-06-15"}, "pathway", "is required"),
        ([], "history file", "must be a JSON object"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    run: Run, data: object, field: str, words: str
) -> None:
    assert_refused(run(data, "--json"), field, words)


def test_a_missing_wear_off_field_is_not_an_error_but_a_missing_units_field_is(run: Run) -> None:
    data = history_file()
    del data["history"][0]["units"]
    assert_refused(run(data, "--json"), "history[0].units", "is required")


# Letybo's 3 months is verified since clinical-reference §11.3; Dysport's 90 days is a weak source.
@pytest.mark.parametrize("product", ["dysport"])
def test_no_touch_up_without_a_label_or_clinic_interval(run: Run, product: str) -> None:
    result = run(history_file(product=product, history=[]), "--json")
    assert_refused(result, "product", "no verified label re-treatment interval")
    assert "--clinic-minimum-days N" in result[2]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", "invalid JSON at line 1"),
        ("", "empty file"),
        ('{"on": "2026-06-15", "on": "2026-06-16"}', "key 'on' appears twice"),
    ],
)
def test_a_file_that_is_not_json_is_refused(run: Run, text: str, words: str) -> None:
    code, out, err = run(text, "--json", raw=True)
    assert (code, out) == (2, "")
    assert words in err
    assert err.count("\n") == 1


def test_a_missing_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = parser().parse_args(["schedule", "next", str(tmp_path / "nope.json")])
    assert args.run(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "cannot read" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "options",
    [
        ["--clinic-minimum-days", "0"],
        ["--clinic-minimum-days", "ten"],
        ["--prior-weight", "-1"],
        ["--review-after-days", "99999"],
    ],
)
def test_bad_policy_options_are_usage_errors(options: list[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parser().parse_args(["schedule", "next", "h.json", *options])
    assert stop.value.code == 2


def test_schedule_needs_a_subcommand() -> None:
    with pytest.raises(SystemExit) as stop:
        parser().parse_args(["schedule"])
    assert stop.value.code == 2


def test_an_internal_error_is_one_line_and_exit_3(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_schedule, "next_visits", broken)
    code, out, err = run(history_file(), "--json")
    assert (code, out) == (3, "")
    assert err == "bonta: internal error (a bug; please report it): RuntimeError: boom\n"
