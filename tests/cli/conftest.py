"""Fixtures for the `bonta` command line: plan files built from the documented examples."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bonta.cli import main
from records.conftest import pytest_collection_modifyitems  # noqa: F401 - skip postgres-only

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"

Run = Callable[..., tuple[int, str, str]]


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return copy.deepcopy(data)


@pytest.fixture
def preempt_plan() -> dict[str, Any]:
    """A PREEMPT session 13 weeks after the previous one: passes with no finding."""
    return example("preempt-passes.json")


@pytest.fixture
def glabellar_plan() -> dict[str, Any]:
    """Glabellar lines six weeks after a PREEMPT session: blocked (retreatment_too_soon)."""
    return example("glabellar-six-weeks-after-preempt-blocks.json")


@pytest.fixture
def run_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Run:
    """Run `bonta check` in-process on a dict (as JSON), raw text, or stdin; return rc, out, err."""

    def run(plan: object, *, raw: bool = False, stdin: bool = False) -> tuple[int, str, str]:
        text = plan if raw else json.dumps(plan)
        assert isinstance(text, str)
        if stdin:
            monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
            code = main(["check", "-"])
        else:
            path = tmp_path / "plan.json"
            path.write_text(text, encoding="utf-8")
            code = main(["check", str(path)])
        out, err = capsys.readouterr()
        return code, out, err

    return run
