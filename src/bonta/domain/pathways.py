"""The two pathways and the small vocabularies every record shares."""

from __future__ import annotations

from enum import StrEnum


class Pathway(StrEnum):
    """A treatment pathway; cosmetic and therapeutic never share an encounter (DESIGN §3)."""

    COSMETIC = "cosmetic"
    CHRONIC_MIGRAINE = "chronic_migraine"

    @property
    def label(self) -> str:
        return {"cosmetic": "Cosmetic", "chronic_migraine": "Chronic migraine"}[self.value]


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    MIDLINE = "midline"


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"
