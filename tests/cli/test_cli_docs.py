"""docs/plan-format.md promises an exit code for every example file: hold it to that."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bonta.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "plan-format.md"
EXAMPLES = ROOT / "docs" / "examples"
PROMISE = re.compile(r"^\| `docs/examples/(?P<name>[\w.-]+\.json)` \| (?P<code>\d) \|", re.M)


def promised() -> dict[str, int]:
    return {m["name"]: int(m["code"]) for m in PROMISE.finditer(DOC.read_text())}


def test_the_doc_lists_every_example_file() -> None:
    assert sorted(promised()) == sorted(p.name for p in EXAMPLES.glob("*.json"))


@pytest.mark.parametrize(("name", "code"), promised().items())
def test_each_example_exits_as_the_doc_says(
    name: str, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(EXAMPLES / name)]) == code
    out, err = capsys.readouterr()
    assert (out == "") is (code == 2)
    assert (err == "") is (code != 2)


def test_the_preempt_plan_shown_in_the_doc_is_the_example_file() -> None:
    shown = DOC.read_text().split("The passing PREEMPT plan:\n\n```json\n", 1)[1].split("```")[0]

    assert json.loads(shown) == json.loads((EXAMPLES / "preempt-passes.json").read_text())
