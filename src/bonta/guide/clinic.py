"""The clinic's own patient instructions: optional, unsourced, and always shown as the clinic's.

Aftercare rules the clinical reference does not support ("don't lie down for 4 hours") may be
a clinic's policy; they belong here, never in content.toml. The file is
BONTA_DATA_DIR/guide/clinic-instructions.toml, for example:

    cosmetic = ["Call us on 01234 567890 if you have any questions."]
    chronic-migraine = []
    urgent = ["Our out-of-hours number is 01234 567891."]

No file means no clinic instructions. It is read on each request, so edits show at once.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.conf import settings

from bonta.guide.content import GuideContentError

CLINIC_KEYS = ("cosmetic", "chronic-migraine", "urgent")


def clinic_instructions_path() -> Path:
    return Path(settings.DATA_DIR) / "guide" / "clinic-instructions.toml"


def load_clinic_instructions(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Instructions per page key; an empty dict when the clinic has written none."""
    path = path or clinic_instructions_path()
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise GuideContentError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(raw) - set(CLINIC_KEYS))
    if unknown:
        raise GuideContentError(f"{path}: unknown keys {unknown}; use {list(CLINIC_KEYS)}")
    instructions: dict[str, tuple[str, ...]] = {}
    for key, lines in raw.items():
        if not isinstance(lines, list) or not all(isinstance(x, str) and x.strip() for x in lines):
            raise GuideContentError(f"{path}: {key} must be a list of non-empty strings")
        instructions[key] = tuple(lines)
    return instructions
