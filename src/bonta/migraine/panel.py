"""The chronic-migraine pathway's panel on the chart: its pages, for a patient on the pathway."""

from __future__ import annotations

from typing import Any


def chart_panel(context: Any, patient: Any) -> dict[str, Any]:
    """Shown when the patient has a chronic-migraine course (the chart already read that)."""
    return {"patient": patient, "migraine_course": bool(context.get("migraine_course"))}
