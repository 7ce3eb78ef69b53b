"""Overriding a block: coded reasons, and the check that an override request may pass.

Pure: `validate_overrides(findings, requests)` reads the findings of one safety check and the
clinician's requests, raises `InvalidInput(field, message)` for the first request that is not
acceptable (fields named `overrides[i].finding`, `.reason`, `.signer`, `.countersigner`), and
returns the blocks still not overridden: sign-off may go ahead only when that is empty.

- A hard stop (`BlockKind.HARD_STOP`) takes no override: the plan must change.
- A clinical block needs a coded reason from `REASONS`; `cumulative_dose_exceeded` also needs a
  second clinician's countersignature (`OverrideNeed` in `safety.OVERRIDE_NEEDS`).

The reason codes are Bonta's own vocabulary for why a label limit is knowingly exceeded, not
clinical facts; a free-text `note` carries the clinician's own words beside the code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import BlockKind, OverrideNeed
from bonta.domain.safety import CODES, KINDS, OVERRIDE_NEEDS, Finding

_HISTORY_BLOCKS = frozenset({"cumulative_dose_exceeded", "retreatment_too_soon"})


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str
    applies_to: frozenset[str]  # the clinical-block codes this reason may override


REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason(
            "documented_clinical_need",
            "Clinical need for this patient, documented in the note: the clinician judges the "
            "benefit outweighs the label limit.",
            frozenset(k for k, v in KINDS.items() if v is BlockKind.CLINICAL_BLOCK),
        ),
        Reason(
            "prior_record_incorrect",
            "An earlier record the block counts is wrong (not given, or wrong date, units, "
            "product or sites); correct the record as well.",
            _HISTORY_BLOCKS,
        ),
        Reason(
            "current_label_differs",
            "The current label, re-checked today, does not impose this limit as Bonta's "
            "reference states it (the reference asks for that re-check before relying on it).",
            frozenset(k for k, v in KINDS.items() if v is BlockKind.CLINICAL_BLOCK),
        ),
    )
}


@dataclass(frozen=True, slots=True)
class OverrideRequest:
    """One clinician's override of one block finding."""

    finding: str  # the finding code overridden, e.g. "retreatment_too_soon"
    reason: str  # a `REASONS` code
    signer: str  # the overriding clinician's id
    note: str = ""  # the clinician's own words
    countersigner: str | None = None  # a second clinician's id, where the block needs one


def override_need(code: str) -> OverrideNeed | None:
    """What an override of finding `code` must carry; None for a warning or information."""
    return OVERRIDE_NEEDS.get(code)


def validate_overrides(
    findings: Iterable[Finding], requests: Sequence[OverrideRequest]
) -> list[Finding]:
    """The blocks in `findings` that `requests` leave un-overridden (hard stops always stay).

    Raises `InvalidInput` naming `overrides[i].<field>` for the first unacceptable request:
    an unknown finding or reason code, a finding that is not a block or not raised by this
    check, a hard stop, a reason that does not apply to the finding, a finding overridden
    twice, a missing signer, or a missing countersigner or one who is the signer.
    """
    blocks = [f for f in findings if f.kind is not None]
    raised = {f.code for f in blocks}
    passed: set[str] = set()
    for i, request in enumerate(requests):
        field = f"overrides[{i}]"
        code = request.finding
        if code not in CODES:
            raise InvalidInput(f"{field}.finding", f"unknown finding code {code!r}")
        need = OVERRIDE_NEEDS.get(code)
        if need is None:
            raise InvalidInput(
                f"{field}.finding",
                f"{code} is a {CODES[code].value}, not a block: nothing to override",
            )
        if need is OverrideNeed.NOT_ALLOWED:
            raise InvalidInput(
                f"{field}.finding", f"{code} is a hard stop: no override passes; change the plan"
            )
        if code not in raised:
            raise InvalidInput(f"{field}.finding", f"{code} is not raised by this check")
        if code in passed:
            raise InvalidInput(f"{field}.finding", f"{code} is overridden twice")
        reason = REASONS.get(request.reason)
        if reason is None:
            known = ", ".join(REASONS)
            raise InvalidInput(
                f"{field}.reason", f"unknown override reason {request.reason!r} (known: {known})"
            )
        if code not in reason.applies_to:
            raise InvalidInput(f"{field}.reason", f"{reason.code} does not apply to {code}")
        signer = request.signer.strip()
        if not signer:
            raise InvalidInput(f"{field}.signer", "an override needs the clinician who signs it")
        if need is OverrideNeed.REASON_AND_COUNTERSIGNATURE:
            countersigner = (request.countersigner or "").strip()
            if not countersigner:
                raise InvalidInput(
                    f"{field}.countersigner",
                    f"{code} needs a second clinician's countersignature",
                )
            if countersigner == signer:
                raise InvalidInput(
                    f"{field}.countersigner",
                    "must be a second clinician, not the one who signs the override",
                )
        passed.add(code)
    return [f for f in blocks if f.code not in passed]
