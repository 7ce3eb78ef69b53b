"""System checks for the sign-in security settings (settings.py, "Security")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from bonta.accounts.models import STAFF_ROLES


def mfa_roles(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    unknown = sorted(set(settings.BONTA_MFA_REQUIRED_ROLES) - {str(r) for r in STAFF_ROLES})
    if not unknown:
        return []
    return [
        checks.Error(
            f"BONTA_MFA_REQUIRED_ROLES names no staff role: {', '.join(unknown)}",
            hint="Use a comma-separated list of clinician, nurse, reception, manager, or none.",
            id="bonta.E101",
        )
    ]


def register() -> None:
    checks.register(mfa_roles, checks.Tags.security)
