"""System checks: malformed reminder settings are reported at start-up, naming the variable.

An unset SMTP host is not an error: the web app runs without mail; only `bonta worker` needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from bonta.reminders import config


@register()
def check_reminder_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    readers: list[Callable[[], object]] = [
        config.tls_mode,
        lambda: config.sender_address(required=False),
        config.clinic,
        config.leads,
        config.lease,
        config.max_attempts,
    ]
    errors: list[CheckMessage] = []
    for read in readers:
        try:
            read()
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), id="bonta.reminders.E001"))
    return errors
