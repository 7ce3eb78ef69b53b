"""Helpers every service shares: role checks, value parsing, loading rows by id."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from bonta.accounts.models import STAFF_ROLES, Role, User
from bonta.db.prepared import Statement
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.records.errors import NotAllowed, NotFound

ANY_STAFF = STAFF_ROLES  # every role but PATIENT (portal accounts are never staff)
CLINICAL_READ = frozenset({Role.CLINICIAN, Role.NURSE, Role.MANAGER})
CLINICAL_WRITE = frozenset({Role.CLINICIAN, Role.NURSE})
SIGN = frozenset({Role.CLINICIAN})
# Who may witness a patient's consent signed on a tablet (bonta.consent; the workspace shows it).
WITNESS = frozenset({Role.CLINICIAN, Role.NURSE, Role.RECEPTION})

UNITS_STEP = Decimal("0.01")  # matches the units columns (2 decimal places)
MAX_UNITS = Decimal(100000)

M = TypeVar("M", bound=models.Model)


def require_role(user: User, roles: Collection[str], action: str) -> None:
    if not user.is_active or user.role not in roles:
        raise NotAllowed(f"Your role ({user.role}) may not {action}.")


def load(model: type[M], pk: object, what: str, **filters: Any) -> M:
    try:
        if filters:
            return model._default_manager.get(pk=pk, **filters)
        found = _by_pk(model).run(pk=pk)  # the usual: by id alone (compiled once per model)
    except (model.DoesNotExist, ValueError, ValidationError):  # ValidationError: malformed UUID
        raise NotFound(f"No such {what}.") from None
    if not found:
        raise NotFound(f"No such {what}.")
    return found[0]


_BY_PK: dict[type[models.Model], Statement[Any]] = {}


def _by_pk(model: type[M]) -> Statement[M]:
    statement = _BY_PK.get(model)
    if statement is None:
        statement = _BY_PK[model] = Statement(
            lambda pk: model._default_manager.filter(pk=pk)[:1], pk=model._meta.pk
        )
    return statement


def positive_units(value: object, field: str) -> Decimal:
    """A units amount: a finite Decimal > 0 with at most two decimal places."""
    amount = decimal(value, field)
    if amount <= 0:
        raise InvalidInput(field, "must be greater than zero")
    if amount != amount.quantize(UNITS_STEP) or amount >= MAX_UNITS:
        raise InvalidInput(field, "must be below 100000 with at most 2 decimal places")
    return amount


def decimal(value: object, field: str) -> Decimal:
    if isinstance(value, float | bool):
        raise InvalidInput(field, "must be a decimal number (string or integer), not a float")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(field, f"must be a number, not {value!r}") from None
    if not amount.is_finite():
        raise InvalidInput(field, "must be a finite number")
    return amount


def pathway(value: object, field: str = "pathway") -> Pathway:
    try:
        return Pathway(str(value))
    except ValueError:
        known = ", ".join(p.value for p in Pathway)
        raise InvalidInput(field, f"unknown pathway {value!r} (known: {known})") from None


# Clinical dates live in these years; outside them the label-interval arithmetic could
# overflow Python's date range (year 1 to 9999), and the value is a typo anyway.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def aware(value: object, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInput(field, "must be a date and time")
    if timezone.is_naive(value):
        raise InvalidInput(field, "must include a time zone (e.g. 2025-03-01T10:00:00+00:00)")
    _plausible_year(value.year, field)
    return value


def a_date(value: object, field: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput(field, "must be a calendar date (YYYY-MM-DD)")
    _plausible_year(value.year, field)
    return value


def _plausible_year(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(field, f"year {year} is outside {FIRST_YEAR}–{LAST_YEAR}")


def not_in_future(day: date, field: str) -> date:
    if day > timezone.localdate(timezone.now(), timezone.get_default_timezone()):
        raise InvalidInput(field, "cannot be in the future")
    return day


def required_text(
    value: object, field: str, max_length: int | None = None, *, multiline: bool = False
) -> str:
    """Text that must be given: stripped, within `max_length`, no control characters."""
    text = optional_text(value, field, max_length, multiline=multiline)
    if not text:
        raise InvalidInput(field, "is required")
    return text


# Control characters (Unicode category Cc: NUL, ESC, DEL, the C1 set …) are refused in every
# text a person types; multi-line text (notes, addenda) may hold line breaks and tabs.
LINE_BREAKS = frozenset("\n\r\t")


def optional_text(
    value: object, field: str, max_length: int | None = None, *, multiline: bool = False
) -> str:
    """Text that may be blank: stripped, within `max_length`, no control characters."""
    text = str(value or "").strip()
    for char in text:
        if unicodedata.category(char) == "Cc" and not (multiline and char in LINE_BREAKS):
            kind = "control characters" if multiline else "line breaks or control characters"
            raise InvalidInput(field, f"must not contain {kind} (found U+{ord(char):04X})")
    if max_length is not None and len(text) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
    return text


def choice(value: object, choices: type[models.TextChoices], field: str) -> str:
    if value not in choices.values:
        known = ", ".join(choices.values)
        raise InvalidInput(field, f"unknown value {value!r} (known: {known})")
    return str(value)
