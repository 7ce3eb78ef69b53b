"""`bonta products`, `protocols` and `vocab`: reference data as JSON or a readable table."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bonta.cli import main
from bonta.domain.anatomy import muscles
from bonta.domain.products import all_products
from bonta.domain.protocols import protocols
from bonta.domain.safety import CODES


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def test_products_json_lists_every_product_with_its_label_facts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    listed = run_json(capsys, "products")

    assert [p["code"] for p in listed] == list(all_products())
    botox = listed[0]
    assert botox["brand"] == "BOTOX"
    assert botox["nonproprietary"] == "onabotulinumtoxinA"
    assert botox["unit_system"] == "onabotulinumtoxinA"
    assert botox["pathways"] == ["chronic_migraine"]
    assert botox["vial_sizes_units"] == [100, 200]
    assert botox["indications"] == [
        {
            "area": "chronic_migraine",
            "units": 155,
            "sites": 31,
            "source": all_products()["botox"].indications["chronic_migraine"].source,
        }
    ]
    assert botox["retreatment_interval"]["amount"] == 12
    assert botox["retreatment_interval"]["unit"] == "weeks"
    assert botox["reconstitution_window"]["hours"] == 24
    assert (botox["cumulative_limit"]["units"], botox["cumulative_limit"]["amount"]) == (400, 3)
    assert botox["omitted"].startswith("50 U vial")


def test_products_json_says_null_where_the_reference_has_no_fact(
    capsys: pytest.CaptureFixture[str],
) -> None:
    dysport = next(p for p in run_json(capsys, "products") if p["code"] == "dysport")

    assert dysport["retreatment_interval"] is None  # §11.3: only [W] 90 days
    assert dysport["reconstitution_window"] is None  # §11.4: 4 h vs 24 h, both [W]
    assert dysport["cumulative_limit"] is None
    assert "only [W] 90 days" in dysport["omitted"]
    assert dysport["dilutions"][0] == {
        "vial_units": 300,
        "diluent_ml": 1.5,
        "source": "clinical-reference §3; DYSPORT-HCP (300 U + 1.5 mL → 10 U/0.05 mL)",
    }


def test_products_table_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "products")

    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["code", "brand", "nonproprietary"]
    assert "400 U in 3 months" in out
    assert "chronic_migraine       155    31" in out


def test_protocols_json_lists_every_template(capsys: pytest.CaptureFixture[str]) -> None:
    listed = run_json(capsys, "protocols")

    assert [p["code"] for p in listed] == list(protocols())
    glabellar = next(p for p in listed if p["code"] == "glabellar_lines")
    assert glabellar["totals"] == {
        "botox_cosmetic": 20,
        "daxxify": 40,
        "dysport": 50,
        "jeuveau": 20,
        "letybo": 20,
        "xeomin": 20,
    }
    assert glabellar["points"] == 5


def test_one_protocol_expands_for_every_product_it_offers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    preempt = run_json(capsys, "protocols", "preempt_fixed_site")

    botox = preempt["expansions"]["botox"]
    assert list(preempt["expansions"]) == ["botox"]
    assert (botox["points"], botox["totals"]) == (31, {"botox": 155})
    assert botox["injections"][0] == {
        "point": "frontalis_medial_r",
        "muscle": "frontalis",
        "side": "right",
        "units": 5,
    }


def test_a_total_only_protocol_expands_to_no_points(capsys: pytest.CaptureFixture[str]) -> None:
    platysma = run_json(capsys, "protocols", "platysma_bands_one_each_side")

    assert platysma["expansions"] == {
        "botox_cosmetic": {"injections": [], "points": 0, "totals": {"botox_cosmetic": 26}}
    }


def test_protocol_table_shows_units_per_product(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "protocols", "glabellar_lines")

    assert code == 0
    assert "procerus_mid          procerus    midline  4               8        10" in out
    assert out.splitlines()[-1].split() == ["total", "20", "40", "50", "20", "20", "20"]


def test_protocols_table_lists_every_template(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "protocols")

    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == list(protocols())


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_an_unknown_protocol_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], json_flag: list[str]
) -> None:
    code, out, err = run(capsys, "protocols", "preempt", *json_flag)

    assert (code, out) == (2, "")
    assert err.startswith("bonta: protocol: unknown protocol 'preempt' (known: ")
    assert err.count("\n") == 1


def test_vocab_json_lists_every_code_a_plan_may_use(capsys: pytest.CaptureFixture[str]) -> None:
    vocab = run_json(capsys, "vocab")

    assert set(vocab) == {
        "products", "pathways", "sides", "sexes", "muscles", "areas", "points", "protocols",
        "conditions", "allergies", "medications", "findings", "override_reasons",
    }  # fmt: skip
    assert vocab["pathways"] == ["cosmetic", "chronic_migraine"]
    assert vocab["sides"] == ["left", "right", "midline"]
    assert {m["code"]: m["sides"] for m in vocab["muscles"]} == {
        code: sorted(m.sides) for code, m in muscles().items()
    }
    assert {f["code"]: f["severity"] for f in vocab["findings"]} == {
        code: s.value for code, s in CODES.items()
    }
    kinds = {f["code"]: (f["kind"], f["override"]) for f in vocab["findings"]}
    assert kinds["cumulative_dose_exceeded"] == ("clinical_block", "reason_and_countersignature")
    assert kinds["retreatment_too_soon"] == ("clinical_block", "reason")
    assert kinds["vial_expired"] == ("hard_stop", "not_allowed")
    assert kinds["dose_above_label"] == (None, None)
    assert [r["code"] for r in vocab["override_reasons"]] == [
        "documented_clinical_need", "prior_record_incorrect", "current_label_differs",
    ]  # fmt: skip
    assert {"code": "human_albumin", "name": "Human albumin (a component of BOTOX)",
            "finding": "hypersensitivity"} in vocab["allergies"]  # fmt: skip


def test_vocab_table_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "vocab")

    assert code == 0
    assert (
        "  cumulative_dose_exceeded         block | clinical_block | reason_and_countersignature"
        in out
    )
    assert "  dose_above_label                 warn\n" in out
    assert "  procerus                         Procerus | midline" in out


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")

    assert code == 0
    assert "exit codes:" in out
    assert "2  invalid input or usage" in out


def test_check_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--help")

    assert code == 0
    assert "1  `check`: at least one finding blocks the plan" in out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)

    assert (code, out) == (2, "")
    assert "usage: bonta" in err
