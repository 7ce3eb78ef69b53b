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


class BlockKind(StrEnum):
    """What kind of block a finding is (only blocks have a kind).

    A hard stop is an impossibility or a label contraindication: no override passes, the plan
    must change. A clinical block is a label limit a clinician may override with a coded reason
    (and, where `OverrideNeed` says so, a second clinician's countersignature).
    """

    HARD_STOP = "hard_stop"
    CLINICAL_BLOCK = "clinical_block"


class OverrideNeed(StrEnum):
    """What an override of a block must carry."""

    NOT_ALLOWED = "not_allowed"  # a hard stop
    REASON = "reason"
    REASON_AND_COUNTERSIGNATURE = "reason_and_countersignature"
