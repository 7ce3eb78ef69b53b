"""`bonta check`: findings as JSON, exit 0/1, and exit 2 with one line naming the bad field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bonta.cli import main

Plan = dict[str, Any]
Run = Callable[..., tuple[int, str, str]]


def test_a_preempt_session_13_weeks_after_the_last_passes(
    run_check: Run, preempt_plan: Plan
) -> None:
    code, out, err = run_check(preempt_plan)

    assert (code, err) == (0, "")
    assert json.loads(out) == {"ok": True, "findings": [], "totals": {"botox": 155}, "points": 31}


def test_glabellar_lines_six_weeks_after_preempt_are_blocked(
    run_check: Run, glabellar_plan: Plan
) -> None:
    code, out, err = run_check(glabellar_plan)

    result = json.loads(out)
    assert (code, err) == (1, "")
    assert result["ok"] is False
    assert [(f["code"], f["severity"]) for f in result["findings"]] == [
        ("retreatment_too_soon", "block")
    ]
    assert "2025-09-08" in result["findings"][0]["message"]
    assert result["findings"][0]["source"].startswith("clinical-reference §2.4")
    assert (result["totals"], result["points"]) == ({"botox_cosmetic": 20}, 5)


def test_every_finding_has_code_severity_message_and_source(
    run_check: Run, glabellar_plan: Plan
) -> None:
    glabellar_plan["vial"]["lot"] = ""
    glabellar_plan["patient"]["medications"] = ["aminoglycoside"]

    code, out, _ = run_check(glabellar_plan)

    findings = json.loads(out)["findings"]
    assert code == 1
    assert [f["code"] for f in findings] == [
        "retreatment_too_soon",
        "lot_missing",
        "drug_interaction",
    ]
    assert all(
        set(f) == {"code", "severity", "kind", "override", "message", "source"} for f in findings
    )
    # safety engine v2: a block says its kind and what an override needs; others say null
    assert [(f["kind"], f["override"]) for f in findings] == [
        ("clinical_block", "reason"),
        ("hard_stop", "not_allowed"),
        (None, None),
    ]


def test_warnings_alone_do_not_block(run_check: Run, preempt_plan: Plan) -> None:
    preempt_plan["patient"]["conditions"] = ["myasthenia_gravis"]

    code, out, _ = run_check(preempt_plan)

    assert code == 0
    assert json.loads(out)["ok"] is True
    assert [f["code"] for f in json.loads(out)["findings"]] == ["neuromuscular_disorder"]


def test_units_are_exact_json_numbers(run_check: Run, glabellar_plan: Plan) -> None:
    del glabellar_plan["protocol"]
    glabellar_plan["injections"] = [
        {"muscle": "corrugator", "side": "left", "units": 2.05},
        {"muscle": "corrugator", "side": "right", "units": 2.05},
        {"muscle": "procerus", "side": "midline", "units": 0.1},
    ]

    _, out, _ = run_check(glabellar_plan)

    assert '"botox_cosmetic": 4.2\n' in out  # not 4.199999999999999
    assert json.loads(out)["totals"] == {"botox_cosmetic": 4.2}


def test_injections_are_added_to_the_protocol(run_check: Run, preempt_plan: Plan) -> None:
    preempt_plan["injections"] = [{"muscle": "temporalis", "side": "left", "units": 5}]

    _, out, _ = run_check(preempt_plan)

    result = json.loads(out)
    assert (result["totals"], result["points"]) == ({"botox": 160}, 32)
    assert [f["code"] for f in result["findings"]] == ["dose_above_label"]


def test_injections_without_a_protocol(run_check: Run, glabellar_plan: Plan) -> None:
    del glabellar_plan["protocol"]
    glabellar_plan["history"] = []
    glabellar_plan["injections"] = [{"muscle": "procerus", "side": "midline", "units": 4}]

    code, out, _ = run_check(glabellar_plan)

    assert code == 0
    result = json.loads(out)
    # §11.5: one site × 4 U is not the label's five sites × 4 U; it warns, it does not block
    assert [f["code"] for f in result.pop("findings")] == ["off_label_dosing"]
    assert result == {"ok": True, "totals": {"botox_cosmetic": 4}, "points": 1}


def test_the_plan_can_come_from_stdin(run_check: Run, glabellar_plan: Plan) -> None:
    code, out, _ = run_check(glabellar_plan, stdin=True)

    assert code == 1
    assert json.loads(out)["ok"] is False


def test_the_session_date_is_the_date_of_at_in_its_own_offset(
    run_check: Run, glabellar_plan: Plan
) -> None:
    # 8 September 00:30 in Berlin is still 7 September in UTC: the local date counts.
    glabellar_plan["at"] = "2025-09-08T00:30:00+02:00"
    glabellar_plan["vial"]["reconstituted_at"] = "2025-09-08T00:00:00+02:00"

    code, out, _ = run_check(glabellar_plan)

    assert (code, json.loads(out)["findings"]) == (0, [])


def test_an_imported_total_without_sites_counts_on_its_pathway(
    run_check: Run, glabellar_plan: Plan
) -> None:
    glabellar_plan["history"] = [
        {
            "date": "2025-07-01",
            "product": "botox_cosmetic",
            "units": 20,
            "pathway": "cosmetic",
            "source": "fhir:clinic-b",
        }
    ]

    code, out, _ = run_check(glabellar_plan)

    assert code == 1
    assert [f["code"] for f in json.loads(out)["findings"]] == ["retreatment_too_soon"]


def test_a_history_area_limits_the_overlap_to_its_muscles(
    run_check: Run, glabellar_plan: Plan
) -> None:
    glabellar_plan["history"] = [
        {
            "date": "2025-07-01",
            "product": "botox_cosmetic",
            "units": 24,
            "pathway": "cosmetic",
            "area": "lateral_canthal_lines",
        }
    ]

    code, out, _ = run_check(glabellar_plan)

    assert (code, json.loads(out)["findings"]) == (0, [])


def test_an_empty_lot_is_a_finding_not_an_input_error(run_check: Run, preempt_plan: Plan) -> None:
    preempt_plan["vial"]["lot"] = ""

    code, out, _ = run_check(preempt_plan)

    assert code == 1
    assert [f["code"] for f in json.loads(out)["findings"]] == ["lot_missing"]


def test_a_vial_never_reconstituted_blocks(run_check: Run, preempt_plan: Plan) -> None:
    preempt_plan["vial"]["reconstituted_at"] = None
    preempt_plan["vial"]["diluent_ml"] = None

    code, out, _ = run_check(preempt_plan)

    assert code == 1
    assert [f["code"] for f in json.loads(out)["findings"]] == ["vial_not_reconstituted"]


def test_a_two_decimal_unit_count_is_accepted(run_check: Run, glabellar_plan: Plan) -> None:
    glabellar_plan["injections"] = [{"muscle": "procerus", "side": "midline", "units": 0.25}]

    code, out, _ = run_check(glabellar_plan)

    assert json.loads(out)["totals"] == {"botox_cosmetic": 20.25}
    assert code == 1


def test_a_utf8_byte_order_mark_is_accepted(run_check: Run, preempt_plan: Plan) -> None:
    code, _, _ = run_check("\ufeff" + json.dumps(preempt_plan), raw=True)

    assert code == 0


# ---- invalid input: exit 2, one line on stderr naming the field, nothing on stdout -----------


def _set(path: str, value: object) -> Callable[[Plan], None]:
    def mutate(plan: Plan) -> None:
        *parents, last = path.split(".")
        target: Any = plan
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _drop(path: str) -> Callable[[Plan], None]:
    def mutate(plan: Plan) -> None:
        *parents, last = path.split(".")
        target: Any = plan
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        del target[last]

    return mutate


def _injections(*items: object) -> Callable[[Plan], None]:
    return _set("injections", list(items))


def _inj(**changes: object) -> dict[str, object]:
    return {"muscle": "temporalis", "side": "left", "units": 5, **changes}


INVALID = {
    "units zero": (
        _injections(_inj(units=0)),
        "injections[0].units: must be a number greater than 0, not 0",
    ),
    "units negative": (
        _injections(_inj(), _inj(units=-5)),
        "injections[1].units: must be a number greater than 0, not -5",
    ),
    "units a string": (
        _injections(_inj(units="5")),
        "injections[0].units: must be a number greater than 0, not a string",
    ),
    "units null": (
        _injections(_inj(units=None)),
        "injections[0].units: must be a number greater than 0, not null",
    ),
    "units a boolean": (
        _injections(_inj(units=True)),
        "injections[0].units: must be a number greater than 0, not true",
    ),
    "units three places": (
        _injections(_inj(units=2.125)),
        "injections[0].units: must have at most 2 decimal places",
    ),
    "units huge": (_injections(_inj(units=1e30)), "injections[0].units: must be below 1000000"),
    "unknown muscle": (
        _injections(_inj(muscle="bicep")),
        "injections[0].muscle: unknown muscle 'bicep'",
    ),
    "unknown side": (_injections(_inj(side="both")), "injections[0].side: unknown side 'both'"),
    "side the muscle lacks": (
        _injections(_inj(muscle="procerus", side="left")),
        "injections[0].side: Procerus is injected midline, not left",
    ),
    "unknown injection key": (
        _injections(_inj(point="x")),
        "injections[0].point: unknown key 'point'",
    ),
    "injection missing units": (
        _injections({"muscle": "frontalis", "side": "left"}),
        "injections[0].units: is required",
    ),
    "injection not an object": (
        _injections(5),
        "injections[0]: must be a JSON object, not a number",
    ),
    "injections not an array": (
        _set("injections", {}),
        "injections: must be a JSON array, not an object",
    ),
    "neither protocol nor injections": (
        _drop("protocol"),
        "injections: give a protocol, injections, or both",
    ),
    "an empty injection list and no protocol": (
        lambda p: (p.pop("protocol"), p.update(injections=[])),
        "injections: the plan has no injections",
    ),
    "a total-only protocol alone": (
        lambda p: p.update(
            pathway="cosmetic", product="botox_cosmetic", protocol="platysma_bands_two_each_side"
        ),
        "protocol: the plan has no injections",
    ),
    "unknown protocol": (_set("protocol", "preempt"), "protocol: unknown protocol 'preempt'"),
    "protocol on the other pathway": (
        _set("protocol", "glabellar_lines"),
        "protocol: glabellar_lines is a cosmetic protocol",
    ),
    "protocol without the product": (
        lambda p: p.update(pathway="cosmetic", product="dysport", protocol="lateral_canthal_lines"),
        "protocol: lateral_canthal_lines has no label dose for dysport",
    ),
    "unknown product": (_set("product", "botulax"), "product: unknown product 'botulax'"),
    "unknown pathway": (
        _set("pathway", "hyperhidrosis"),
        "pathway: unknown pathway 'hyperhidrosis'",
    ),
    "unknown top-level key": (_set("protocl", "x"), "protocl: unknown key 'protocl'"),
    "missing at": (_drop("at"), "at: is required"),
    "naive at": (_set("at", "2025-06-10T09:30:00"), "at: must carry a UTC offset"),
    "at as a date": (_set("at", "2025-06-10"), "at: must be a date and time like"),
    "at impossible": (_set("at", "2025-02-30T09:30:00Z"), "at: is not a valid date and time"),
    "at a number": (_set("at", 20250610), "at: must be a string, not a number"),
    "at in year 1": (
        _set("at", "0001-01-01T10:00:00+00:00"),
        "at: must be in the years 1900 to 2999",
    ),
    "at in year 9999": (
        _set("at", "9999-12-31T10:00:00Z"),
        "at: must be in the years 1900 to 2999",
    ),
    "history in year 9999": (
        _set("history.0.date", "9999-12-01"),
        "history[0].date: must be in the years 1900 to 2999",
    ),
    "birth in 1899": (
        _set("patient.birth_date", "1899-12-31"),
        "patient.birth_date: must be in the years 1900 to 2999",
    ),
    "missing vial": (_drop("vial"), "vial: is required"),
    "vial null": (_set("vial", None), "vial: must be a JSON object, not null"),
    "vial lot missing": (_drop("vial.lot"), "vial.lot: is required"),
    "vial lot a number": (_set("vial.lot", 123), "vial.lot: must be a string"),
    "vial expiry format": (
        _set("vial.expiry", "31/01/2026"),
        "vial.expiry: must be a date written YYYY-MM-DD",
    ),
    "vial expiry impossible": (
        _set("vial.expiry", "2026-02-30"),
        "vial.expiry: is not a calendar date",
    ),
    "vial size zero": (
        _set("vial.size_units", 0),
        "vial.size_units: must be a number greater than 0",
    ),
    "diluent four places": (
        _set("vial.diluent_ml", 1.2505),
        "vial.diluent_ml: must have at most 3 decimal places",
    ),
    "reconstituted naive": (
        _set("vial.reconstituted_at", "2025-06-10T08:45:00"),
        "vial.reconstituted_at: must carry a UTC offset",
    ),
    "unknown vial key": (_set("vial.product", "botox"), "vial.product: unknown key 'product'"),
    "patient missing": (_drop("patient"), "patient: is required"),
    "patient birth date format": (
        _set("patient.birth_date", "1980-3-14"),
        "patient.birth_date: must be a date written YYYY-MM-DD",
    ),
    "patient born after the session": (
        _set("patient.birth_date", "2030-01-01"),
        "patient.birth_date: is after the session date",
    ),
    "patient sex unknown value": (
        _set("patient.sex", "f"),
        "patient.sex: must be one of female, male, other, unknown",
    ),
    "pregnant as a string": (
        _set("patient.pregnant", "no"),
        "patient.pregnant: must be true or false, not a string",
    ),
    "breastfeeding as 0": (
        _set("patient.breastfeeding", 0),
        "patient.breastfeeding: must be true or false, not a number",
    ),
    "pregnant missing": (_drop("patient.pregnant"), "patient.pregnant: is required"),
    "unknown condition": (
        _set("patient.conditions", ["migraine"]),
        "patient.conditions[0]: unknown condition 'migraine'",
    ),
    "unknown allergy": (
        _set("patient.allergies", ["botulinum_toxin", "latex"]),
        "patient.allergies[1]: unknown allergy 'latex'",
    ),
    "unknown medication": (
        _set("patient.medications", ["aspirin"]),
        "patient.medications[0]: unknown medication 'aspirin'",
    ),
    "allergies not an array": (
        _set("patient.allergies", "none"),
        "patient.allergies: must be a JSON array, not a string",
    ),
    "unknown infection site": (
        _set("patient.infection_sites", ["face"]),
        "patient.infection_sites[0]: unknown muscle 'face'",
    ),
    "history not an array": (_set("history", None), "history: must be a JSON array, not null"),
    "history missing": (_drop("history"), "history: is required"),
    "history date format": (
        _set("history.0.date", "2025-03-11T10:00:00Z"),
        "history[0].date: must be a date written YYYY-MM-DD",
    ),
    "history unknown product": (
        _set("history.0.product", "botax"),
        "history[0].product: unknown product 'botax'",
    ),
    "history units NaN-free zero": (
        _set("history.0.units", 0),
        "history[0].units: must be a number greater than 0",
    ),
    "history unknown area": (
        _set("history.0.area", "neck"),
        "history[0].area: unknown treatment area 'neck'",
    ),
    "history area on the other pathway": (
        _set("history.0.area", "glabellar_lines"),
        "history[0].area: glabellar_lines is a cosmetic area",
    ),
    "history empty source": (_set("history.0.source", " "), "history[0].source: must not be empty"),
    "history unknown key": (
        # `muscles` became a key with safety engine v2 (other indications)
        _set("history.0.sites", ["frontalis"]),
        "history[0].sites: unknown key 'sites' (allowed: date, product, units, pathway, "
        "indication, area, muscles, source)",
    ),
    "too many points": (  # PREEMPT's 31 plus 170 listed: over the technical limit of 200
        _injections(*[_inj()] * 170),
        "injections: a plan has at most 200 injection points (this one has 201)",
    ),
    "far too many points": (  # refused before each of the 20,000 is read
        _injections(*[_inj(units=0)] * 20_000),
        "injections: a plan has at most 200 injection points (this one has 20000)",
    ),
}


@pytest.mark.parametrize(("mutate", "error"), INVALID.values(), ids=INVALID.keys())
def test_invalid_input_names_the_field_and_exits_2(
    run_check: Run, preempt_plan: Plan, mutate: Callable[[Plan], None], error: str
) -> None:
    mutate(preempt_plan)

    code, out, err = run_check(preempt_plan)

    assert (code, out) == (2, "")
    assert err.startswith(f"bonta: {error}")
    assert err.count("\n") == 1


RAW_INVALID = {
    "invalid JSON": ('{\n  "at": "x",\n}', "plan.json: invalid JSON at line 3 column 1"),
    "NaN units": ('{"units": NaN}', None),
    "empty file": ("", "plan.json: empty file"),
    "whitespace only": ("  \n\t", "plan.json: empty file"),
    "a JSON array": ("[]", "plan: must be a JSON object, not an array"),
    "a JSON string": ('"plan"', "plan: must be a JSON object, not a string"),
    "a duplicate key": ('{"at": 1, "at": 2}', "plan.json: invalid JSON: key 'at' appears twice"),
    "deep nesting": ("[" * 100_000 + "]" * 100_000, "plan.json: invalid JSON: nested too deeply"),
    "a 5000-digit number": ("1" * 5000, "plan: must be a JSON object, not a number"),
}


@pytest.mark.parametrize(("text", "error"), RAW_INVALID.values(), ids=RAW_INVALID.keys())
def test_unparseable_files_exit_2(run_check: Run, text: str, error: str | None) -> None:
    code, out, err = run_check(text, raw=True)

    assert (code, out) == (2, "")
    assert err.startswith("bonta: ")
    assert err.count("\n") == 1
    if error is not None:
        assert error in err


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_units_are_named(
    run_check: Run, preempt_plan: Plan, constant: str
) -> None:
    preempt_plan["injections"] = [{"muscle": "temporalis", "side": "left", "units": 1}]
    text = json.dumps(preempt_plan).replace('"units": 1}', f'"units": {constant}}}')

    code, out, err = run_check(text, raw=True)

    assert (code, out) == (2, "")
    assert err.startswith("bonta: injections[0].units: must be a number greater than 0, not ")


def test_a_file_that_is_not_utf8_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"at": "\xe9"}')

    code = main(["check", str(path)])

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"bonta: {path}: not UTF-8 text (byte 8)\n"


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(tmp_path / "nope.json")])

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"bonta: {tmp_path / 'nope.json'}: cannot read: No such file or directory\n"


def test_a_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(tmp_path)])

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith(f"bonta: {tmp_path}: cannot read: ")


def test_check_without_a_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check"])

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "the following arguments are required: PLAN.json" in err


def test_a_bug_in_the_engine_is_one_line_and_exit_3(
    run_check: Run, preempt_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(snapshot: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("bonta.domain.safety.check", broken)

    code, out, err = run_check(preempt_plan)

    assert (code, out) == (3, "")
    assert err == (
        "bonta: internal error (a bug; please report it): ZeroDivisionError: division by zero\n"
    )


# ---- several files -------------------------------------------------------------------------


def write(tmp_path: Path, name: str, plan: object) -> str:
    path = tmp_path / name
    path.write_text(plan if isinstance(plan, str) else json.dumps(plan), encoding="utf-8")
    return str(path)


def test_several_files_give_one_json_line_each_and_the_worst_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], preempt_plan: Plan, glabellar_plan: Plan
) -> None:
    passes = write(tmp_path, "passes.json", preempt_plan)
    blocked = write(tmp_path, "blocked.json", glabellar_plan)

    code = main(["check", passes, blocked])

    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert (code, err) == (1, "")
    assert [(r["file"], r["ok"]) for r in lines] == [(passes, True), (blocked, False)]
    assert list(lines[0]) == ["file", "ok", "findings", "totals", "points"]
    assert lines[1]["findings"][0]["code"] == "retreatment_too_soon"


def test_an_invalid_file_among_several_is_reported_and_the_rest_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], preempt_plan: Plan
) -> None:
    bad = dict(preempt_plan, at="2025-06-10T09:30:00")
    invalid = write(tmp_path, "naive.json", bad)
    broken = write(tmp_path, "broken.json", '{"at": ')
    passes = write(tmp_path, "passes.json", preempt_plan)

    code = main(["check", invalid, broken, passes])

    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert [r["file"] for r in lines] == [invalid, broken, passes]
    assert lines[0]["error"].startswith("at: must carry a UTC offset")
    assert lines[1]["error"].startswith(f"{broken}: invalid JSON")
    assert lines[2]["ok"] is True
    assert err.splitlines() == [
        f"bonta: {invalid}: {lines[0]['error']}",
        f"bonta: {lines[1]['error']}",
    ]


def test_one_file_keeps_its_single_object_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], preempt_plan: Plan
) -> None:
    code = main(["check", write(tmp_path, "passes.json", preempt_plan)])

    out, _ = capsys.readouterr()
    assert code == 0
    expected = {"ok": True, "findings": [], "totals": {"botox": 155}, "points": 31}
    assert out == json.dumps(expected, indent=2) + "\n"


def test_stdin_may_be_named_only_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-", "-"]) == 2
    assert capsys.readouterr().err == "bonta: PLAN.json: - (stdin) may be given only once\n"
