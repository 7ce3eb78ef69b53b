"""serve and demo hand over to Django management commands, set up only then."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management.base import CommandError

from bonta.cli import main


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    recorded: list[tuple[str, dict[str, Any]]] = []

    def call_command(name: str, **options: Any) -> None:
        recorded.append((name, options))

    monkeypatch.setattr("django.core.management.call_command", call_command)
    monkeypatch.setattr("django.setup", lambda: None)  # the app registry is not under test
    return recorded


def test_serve_passes_its_options(calls: list[tuple[str, dict[str, Any]]]) -> None:
    code = main(["serve", "--demo", "--host", "0.0.0.0", "--port", "9000"])  # noqa: S104

    assert code == 0
    assert calls == [("bonta_serve", {"demo": True, "host": "0.0.0.0", "port": 9000})]  # noqa: S104


def test_serve_leaves_unset_options_to_the_command(
    calls: list[tuple[str, dict[str, Any]]],
) -> None:
    assert main(["serve"]) == 0
    assert calls == [("bonta_serve", {"demo": False})]


def test_demo_passes_patients_and_seed(calls: list[tuple[str, dict[str, Any]]]) -> None:
    assert main(["demo", "--patients", "25", "--seed", "7"]) == 0
    assert calls == [("bonta_demo", {"patients": 25, "seed": 7})]


def test_a_failing_command_exits_1_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def call_command(name: str, **options: Any) -> None:
        raise CommandError("--patients must be at least 1")

    monkeypatch.setattr("django.core.management.call_command", call_command)
    monkeypatch.setattr("django.setup", lambda: None)

    code = main(["demo", "--patients", "0"])

    assert code == 1
    assert capsys.readouterr().err == "bonta: --patients must be at least 1\n"


def test_a_non_integer_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "http"]) == 2
    assert "invalid int value: 'http'" in capsys.readouterr().err


def test_an_unexpected_server_error_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def call_command(name: str, **options: Any) -> None:
        raise OSError("address already in use")

    monkeypatch.setattr("django.core.management.call_command", call_command)
    monkeypatch.setattr("django.setup", lambda: None)

    with pytest.raises(OSError, match="address already in use"):
        main(["serve"])
