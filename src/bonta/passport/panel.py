"""The chart panel: the patient's toxin passport (download) and importing one (clinical staff)."""

from __future__ import annotations

from typing import Any

from django.template import Context

from bonta.records.services._common import CLINICAL_READ, CLINICAL_WRITE


def chart_panel(context: Context, patient: Any) -> dict[str, Any]:
    role = context["request"].user.role
    return {
        "patient": patient,
        "show": role in CLINICAL_READ,
        "can_import": role in CLINICAL_WRITE,
        "is_manager": role == "manager",
    }
