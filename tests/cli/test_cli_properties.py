"""Whatever JSON arrives, `bonta check` answers with exit 0, 1 or 2, never a traceback."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bonta.cli import main
from bonta.domain.anatomy import areas, muscles
from bonta.domain.pathways import Pathway
from bonta.domain.products import all_products
from bonta.domain.protocols import protocols
from bonta.domain.reference import load

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
BASES = [
    json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.json")) if "invalid" not in p.name
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and ±Infinity too: json.dumps writes them as NaN/Infinity
    | st.decimals(allow_nan=False, allow_infinity=False).map(float)
    | st.text()
    | st.sampled_from(["", "2025-06-10", "2025-06-10T09:30:00+02:00", "frontalis", "left",
                       "botox", "cosmetic", "glabellar_lines", "human_albumin", "0001-01-01",
                       "9999-12-31", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def run_check(text: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", str(path)])
    return code, out.getvalue(), err.getvalue()


def assert_answered(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2), err
    if code == 2:
        assert out == ""
        assert err.startswith("bonta: ")
        assert err.count("\n") == 1
    else:
        assert err == ""
        assert json.loads(out)["ok"] is (code == 0)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises(value: Any) -> None:
    assert_answered(*run_check(json.dumps(value)))


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    assert_answered(*run_check(text))


@st.composite
def mutated_plans(draw: st.DrawFn) -> Any:
    """A documented example with one value anywhere in it replaced or removed."""
    plan = copy.deepcopy(draw(st.sampled_from(BASES)))
    target: Any = plan
    while True:
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        if not keys:
            return plan
        key = draw(st.sampled_from(keys))
        child = target[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            target = child
            continue
        if isinstance(target, dict) and draw(st.integers(0, 4)) == 0:
            del target[key]
        else:
            target[key] = draw(json_values)
        return plan


@settings(max_examples=300, deadline=None)
@given(mutated_plans())
def test_a_plan_with_any_value_changed_never_raises(plan: Any) -> None:
    assert_answered(*run_check(json.dumps(plan)))


# ---- valid plans: the engine must answer every one with 0 or 1 -------------------------------

units = st.decimals(min_value="0.01", max_value="500", places=2).map(float)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))


def factor_codes(kind: str) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(sorted(load("patient_factors")[kind])), max_size=2)


@st.composite
def history_records(draw: st.DrawFn) -> dict[str, Any]:
    pathway = draw(st.sampled_from([p.value for p in Pathway]))
    record = {
        "date": draw(days).isoformat(),
        "product": draw(st.sampled_from(sorted(all_products()))),
        "units": draw(units),
        "pathway": pathway,
    }
    if draw(st.booleans()):
        record["area"] = draw(
            st.sampled_from(sorted(a.code for a in areas().values() if a.pathway == pathway))
        )
    if draw(st.booleans()):
        record["source"] = draw(st.sampled_from(["local", "fhir:clinic-b"]))
    return record


@st.composite
def injections(draw: st.DrawFn) -> dict[str, Any]:
    muscle = draw(st.sampled_from(sorted(muscles().values(), key=lambda m: m.code)))
    return {
        "muscle": muscle.code,
        "side": draw(st.sampled_from(sorted(muscle.sides))),
        "units": draw(units),
    }


@st.composite
def valid_plans(draw: st.DrawFn) -> dict[str, Any]:
    product = draw(st.sampled_from(sorted(all_products())))
    pathway = draw(st.sampled_from([p.value for p in Pathway]))
    session = draw(days)
    at = datetime.combine(session, time(draw(st.integers(0, 23))), timezone(timedelta(hours=2)))
    offered = sorted(
        p.code for p in protocols().values() if p.pathway == pathway and product in p.products
    )
    placing = [code for code in offered if product in protocols()[code].units_per_site]
    plan: dict[str, Any] = {
        "at": at.isoformat(),
        "pathway": pathway,
        "patient": {
            "birth_date": draw(st.dates(date(1930, 1, 1), session)).isoformat(),
            "sex": draw(st.sampled_from(["female", "male", "other", "unknown"])),
            "pregnant": draw(st.booleans()),
            "breastfeeding": draw(st.booleans()),
            "conditions": draw(factor_codes("conditions")),
            "allergies": draw(factor_codes("allergies")),
            "medications": draw(factor_codes("medications")),
            "infection_sites": draw(st.lists(st.sampled_from(sorted(muscles())), max_size=2)),
        },
        "history": draw(st.lists(history_records(), max_size=4)),
        "product": product,
        "vial": {
            "lot": draw(st.sampled_from(["", "C1234A5"])),
            "expiry": draw(days).isoformat(),
            "size_units": draw(st.sampled_from([50, 100, 200, 300, 150])),
            "diluent_ml": draw(st.sampled_from([None, 1.25, 2.5, 4])),
            "reconstituted_at": draw(
                st.sampled_from(
                    [
                        None,
                        (at - timedelta(hours=30)).isoformat(),
                        (at - timedelta(minutes=30)).isoformat(),
                    ]
                )
            ),
        },
        "injections": draw(st.lists(injections(), min_size=0 if placing else 1, max_size=4)),
    }
    if plan["injections"] and offered and draw(st.booleans()):
        plan["protocol"] = draw(st.sampled_from(offered))
    elif not plan["injections"]:
        plan["protocol"] = draw(st.sampled_from(placing))
    return plan


@settings(max_examples=150, deadline=None)
@given(valid_plans())
def test_every_valid_plan_gets_findings_not_an_error(plan: dict[str, Any]) -> None:
    code, out, err = run_check(json.dumps(plan))

    assert code in (0, 1), err
    assert json.loads(out)["ok"] is (code == 0)
