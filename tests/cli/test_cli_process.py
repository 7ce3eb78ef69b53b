"""The installed `bonta` script, run as a separate process: exit codes, stdin, no Django."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BONTA = Path(sys.executable).with_name("bonta")
EXAMPLES = ROOT / "docs" / "examples"


def bonta(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [str(BONTA), *argv], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_script_reads_a_plan_from_stdin_and_exits_1_on_a_block() -> None:
    text = (EXAMPLES / "glabellar-six-weeks-after-preempt-blocks.json").read_text()

    result = bonta("check", "-", stdin=text)

    assert result.returncode == 1
    assert json.loads(result.stdout)["findings"][0]["code"] == "retreatment_too_soon"
    assert result.stderr == ""


def test_the_script_prints_one_line_and_no_traceback_on_bad_input() -> None:
    result = bonta("check", "-", stdin='{"at": ')

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("bonta: <stdin>: invalid JSON at line 1 column 8: Expecting value\n")


@pytest.mark.parametrize(
    "argv",
    [
        ["check", str(EXAMPLES / "preempt-passes.json")],
        ["products", "--json"],
        ["protocols", "glabellar_lines", "--json"],
        ["vocab", "--json"],
    ],
    ids=["check", "products", "protocols", "vocab"],
)
def test_pure_commands_never_import_django(argv: list[str]) -> None:
    program = (
        "import contextlib, io, sys\n"
        "from bonta.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main({argv!r})\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(code, loaded)\n"
    )

    result = subprocess.run(  # noqa: S603 - the test's own interpreter and program
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.stdout == "0 []\n", result.stderr
