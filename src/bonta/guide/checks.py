"""System checks: a malformed guide or clinic instructions file is reported at start-up."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from bonta.guide.clinic import clinic_instructions_path, load_clinic_instructions
from bonta.guide.content import GuideContentError, load_guide


@register()
def check_guide_content(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    try:
        load_guide()
    except (GuideContentError, KeyError) as exc:
        errors.append(Error(f"Patient guide content is invalid: {exc}", id="bonta.guide.E001"))
    try:
        load_clinic_instructions()
    except GuideContentError as exc:
        errors.append(
            Error(
                f"Clinic instructions for the patient guide are invalid: {exc}",
                hint=f"Fix or remove {clinic_instructions_path()}.",
                id="bonta.guide.E002",
            )
        )
    return errors
