"""Records fixtures, and the hook that skips PostgreSQL-only tests on other engines."""

from __future__ import annotations

import pytest

from records.clinic import (  # noqa: F401
    alice,
    dr_grey,
    dr_okafor,
    max_manager,
    nurse_noor,
    rita_reception,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
