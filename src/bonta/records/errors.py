"""Errors the services raise beyond the domain's own; all are `DomainError`s with a safe message.

Interfaces map them to responses: InvalidInput → 422, NotAllowed → 403, NotFound → 404,
Conflict → 409, SignRefused → 422 with the findings that stopped it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bonta.domain.errors import DomainError
from bonta.domain.safety import Finding


class NotAllowed(DomainError):
    """The user's role does not permit this action."""


class NotFound(DomainError):
    """No such record (or not one this user may see)."""


class Conflict(DomainError):
    """The record's state forbids the change (e.g. a signed encounter is immutable)."""


class SignedEncounterImmutable(Conflict):
    def __init__(self, message: str = "") -> None:
        super().__init__(
            message or "This encounter is signed and cannot be changed; add an addendum instead."
        )


class SignRefused(DomainError):
    """Sign-off refused: blocking findings are not overridden (or an override is not valid)."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = list(findings)
