"""`bonta user` creates staff with a role and an Argon2 password; bad input writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from bonta.accounts.models import User
from bonta.cli import main

pytestmark = pytest.mark.django_db


def create(username: str, role: str, password: str) -> str:
    out = io.StringIO()
    stdin = io.StringIO(password + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", stdin)
        call_command("bonta_user", username, role=role, password_stdin=True, stdout=out)
    return out.getvalue()


def test_it_creates_a_clinician_whose_password_is_hashed_with_argon2() -> None:
    assert "created with role clinician" in create("drjones", "clinician", "correct-horse-9")
    user = User.objects.get(username="drjones")
    assert user.role == "clinician"
    assert user.password.startswith("argon2")
    assert user.check_password("correct-horse-9")


def test_a_weak_password_is_refused_and_no_user_is_written() -> None:
    with pytest.raises(CommandError, match="password: This password is too short"):
        create("drx", "nurse", "short")
    assert not User.objects.filter(username="drx").exists()


def test_an_existing_user_gets_the_new_role_and_keeps_the_password() -> None:
    create("sam", "reception", "correct-horse-9")
    create("sam", "manager", "ignored-password")
    sam = User.objects.get(username="sam")
    assert sam.role == "manager"
    assert sam.check_password("correct-horse-9")


def test_the_cli_refuses_an_unknown_role_before_touching_the_database(capsys) -> None:
    assert main(["user", "kim", "--role", "surgeon"]) == 2
    assert "invalid choice: 'surgeon'" in capsys.readouterr().err
    assert not User.objects.filter(username="kim").exists()
