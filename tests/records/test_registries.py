"""The registries through which higher apps plug into lower ones (docs/architecture.md §0)."""

from __future__ import annotations

import pytest

from bonta.appointments import observations
from bonta.consent.guard import require_current_consent
from bonta.domain.errors import InvalidInput
from bonta.records.services import encounters


def test_consent_registers_its_sign_off_guard() -> None:
    assert require_current_consent in encounters.SIGN_OFF_GUARDS


def test_sign_off_fails_closed_without_a_registered_guard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(encounters, "SIGN_OFF_GUARDS", [])
    with pytest.raises(InvalidInput) as refused:
        encounters.require_sign_off_preconditions(None, "cosmetic")  # type: ignore[arg-type]
    assert refused.value.field == "consent"


def test_cosmetic_feeds_scheduling_its_wear_off_reports() -> None:
    from bonta.cosmetic.services import wore_off_dates

    assert [s.dates for s in observations.WEAR_OFF_SOURCES] == [wore_off_dates]


def test_every_configured_chart_panel_imports() -> None:
    from django.conf import settings

    from bonta.web.panels import chart_panels

    assert len(chart_panels()) == len(settings.BONTA_CHART_PANELS) >= 7
    assert all(callable(context) for _, context in chart_panels())
