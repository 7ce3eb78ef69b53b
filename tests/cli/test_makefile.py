"""The Makefile's `run` takes PORT and HOST; `browser` says what it installs before it does."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*argv: str) -> str:
    result = subprocess.run(  # noqa: S603 - make, with fixed arguments, printing only (-n)
        ["make", "-n", "-C", str(ROOT), "-o", ".venv/bin/bonta", *argv],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_make_run_serves_on_the_port_and_host_given() -> None:
    assert ".venv/bin/bonta serve --demo --host 0.0.0.0 --port 8123" in dry_run(
        "run", "PORT=8123", "HOST=0.0.0.0"
    )
    assert ".venv/bin/bonta serve --demo --host 127.0.0.1 --port 8000" in dry_run("run")


def test_make_browser_says_it_installs_chromium_before_apt_get() -> None:
    recipe = dry_run("browser")
    announced = recipe.index("installing Debian's chromium package with apt-get")
    assert announced < recipe.index("apt-get install")
    assert "browser tests will be skipped" in recipe


def test_the_readme_says_what_make_test_installs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run PORT=8080" in readme
    assert "apt-get install chromium" in readme
    assert "--host H] [--port P]" in readme
