"""Load the reference data files beside this module once per process."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

REFERENCE_DIR = Path(__file__).with_name("reference")


@cache
def load(name: str) -> dict[str, Any]:
    with (REFERENCE_DIR / f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


# The one-item names of the patient-factor kinds, for messages ("unknown allergy 'x'").
FACTOR_NOUN = {"allergies": "allergy", "conditions": "condition", "medications": "medication"}
