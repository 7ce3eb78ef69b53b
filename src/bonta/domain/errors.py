"""Typed domain errors; interfaces turn them into 4xx responses, form errors or exit code 2."""

from __future__ import annotations


class DomainError(Exception):
    """A clinical or input rule was broken; `message` is safe to show to a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value is not acceptable; `field` names it the way the input named it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class IncompatibleUnits(DomainError):
    """Units of two different products were added or compared (clinical-reference §3)."""
