"""The secret key and the MFA key are generated once in a new data directory: processes that
start together (gunicorn workers, parallel test workers) must all read the same values and
never a half-written file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

# Each process loads Django first, then waits for the same instant to read the settings, so
# that they reach the generation together (the old exists-then-write code failed this).
PRINT_KEYS = (
    "import os, sys, time; os.environ['DJANGO_SETTINGS_MODULE'] = 'bonta.settings';"
    "import django.conf, django.core.exceptions, dj_database_url;"
    "time.sleep(max(0.0, float(sys.argv[1]) - time.time()));"
    "from django.conf import settings; print(settings.SECRET_KEY, settings.BONTA_MFA_KEY)"
)


def test_processes_starting_together_agree_on_the_generated_keys(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "BONTA_MFA_KEY")}
    env["BONTA_DATA_DIR"] = str(tmp_path)
    at = str(time.time() + 3)
    starts = [
        subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-c", PRINT_KEYS, at], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    printed = {start.communicate(timeout=120)[0].strip() for start in starts}
    assert all(start.returncode == 0 for start in starts)
    assert len(printed) == 1
    secret, mfa = printed.pop().split()
    assert len(secret) >= 50
    assert len(mfa) == 44
    assert (tmp_path / "secret_key").read_text().strip() == secret
    assert (tmp_path / "mfa_key").stat().st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_key_another_process_linked_first_is_the_one_used(tmp_path: Path, monkeypatch) -> None:
    """The window the multi-process test can rarely hit, made certain: another process links
    its key between our existence check and our link. We must read theirs, not overwrite it."""
    from bonta import settings as bonta_settings

    real_link = os.link

    def competitor_first(source: str, target: Path) -> None:
        Path(target).write_text("theirs\n")
        real_link(source, target)  # raises FileExistsError, as the kernel would

    monkeypatch.setattr(bonta_settings.os, "link", competitor_first)
    assert bonta_settings._generated_once(tmp_path / "secret_key", lambda: "ours") == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
