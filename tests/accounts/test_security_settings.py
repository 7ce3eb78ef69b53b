"""Production settings pass `check --deploy` with no warning (BONTA_HTTPS=1, debug off); without
BONTA_HTTPS the HTTPS warnings are there. Each case runs in a fresh process, as CI would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def run_django(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("BONTA_", "SECRET_KEY", "DJANGO_"))
    }
    environ.update(
        PYTHONPATH=str(SRC),
        DJANGO_SETTINGS_MODULE="bonta.settings",
        BONTA_DATA_DIR=str(tmp_path),
        **env,
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "django", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_with_https_on_prints_no_warning(tmp_path: Path) -> None:
    result = run_django(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", BONTA_HTTPS="1", BONTA_DEBUG="0"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_without_bonta_https_the_deploy_check_warns(tmp_path: Path) -> None:
    result = run_django(tmp_path, "check", "--deploy")
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in result.stderr + result.stdout


def test_https_settings_values(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = run_django(tmp_path, "shell", "--no-imports", "-c", code, BONTA_HTTPS="1")
    assert result.stdout.strip() == (
        "True True True 31536000 False False ('HTTP_X_FORWARDED_PROTO', 'https')"
    )
    result = run_django(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        code,
        BONTA_HTTPS="1",
        BONTA_HSTS_INCLUDE_SUBDOMAINS="1",
    )
    assert " 31536000 True False " in result.stdout


def test_mfa_is_required_of_clinicians_and_managers_by_default(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(sorted(s.BONTA_MFA_REQUIRED_ROLES), s.BONTA_DEMO)"
    )
    result = run_django(tmp_path, "shell", "--no-imports", "-c", code)
    assert result.stdout.strip() == "['clinician', 'manager'] False"
    result = run_django(
        tmp_path, "shell", "--no-imports", "-c", code, BONTA_MFA_REQUIRED_ROLES="none"
    )
    assert result.stdout.strip() == "[] False"
    assert (tmp_path / "mfa_key").stat().st_mode & 0o077 == 0  # generated, owner-only


def test_an_unknown_role_in_bonta_mfa_required_roles_fails_the_check(tmp_path: Path) -> None:
    result = run_django(tmp_path, "check", BONTA_MFA_REQUIRED_ROLES="clinician,surgeon")
    assert result.returncode != 0
    assert "BONTA_MFA_REQUIRED_ROLES names no staff role: surgeon" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BONTA_LOGIN_MAX_FAILURES", "0", "BONTA_LOGIN_MAX_FAILURES must be at least 1"),
        ("BONTA_LOGIN_LOCKOUT_MINUTES", "ten", "must be a whole number"),
        ("BONTA_HTTPS", "maybe", "BONTA_HTTPS must be 1 or 0"),
    ],
)
def test_bad_security_settings_stop_start_up_with_the_name(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    result = run_django(tmp_path, "check", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr
