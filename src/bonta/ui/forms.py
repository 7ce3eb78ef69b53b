"""Form helpers every app's pages share: date widgets and service refusals put back on a field.

HTML forms parse types (dates, numbers, choices); the services decide what is valid. A service
refusal (`InvalidInput`) is put back on the field it names with `add_service_error`.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone

from bonta.domain.errors import InvalidInput


def add_service_error(form: forms.Form, error: InvalidInput, aliases: dict[str, str]) -> None:
    """Attach a service's refusal to the matching field, else to the form as a whole."""
    name = error.field.split("[")[0]
    name = aliases.get(name, name)
    if name in form.fields:
        form.add_error(name, error.reason)
    else:
        form.add_error(None, error.message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def now_local() -> datetime:
    return timezone.localtime(timezone.now()).replace(second=0, microsecond=0)
