"""Shared fixtures. Tests never touch the network; each database test gets its own database."""

from __future__ import annotations

import os

import pytest


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"bonta database: {settings.DATABASES['default']['ENGINE']}"


@pytest.fixture(autouse=True)
def _no_patient_data_dir_leaks(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ.setdefault("BONTA_DATA_DIR", str(tmp_path_factory.getbasetemp() / "data"))
