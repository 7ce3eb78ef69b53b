"""The reminder settings, read from `django.conf.settings` when used (tests override them).

Environment (parsed in `bonta/settings.py`; validated here, and by the system checks):

BONTA_SMTP_HOST, BONTA_SMTP_PORT (587), BONTA_SMTP_USER, BONTA_SMTP_PASSWORD,
BONTA_SMTP_TLS (starttls | tls | none; default starttls), BONTA_SMTP_TIMEOUT (30 s),
BONTA_SMTP_FROM (the sender address). The worker refuses to start without host and sender;
the web app needs none of them.
BONTA_CLINIC_NAME, BONTA_CLINIC_ADDRESS, BONTA_CLINIC_PHONE: what the message says.
BONTA_PUBLIC_URL: the address patients reach the opt-out page at.
BONTA_REMINDER_HOURS_BEFORE (48; 0 turns reminders off): a clinic setting, not a clinical fact.
BONTA_REMINDER_LEASE_SECONDS (300): how long a worker holds a claim or a send before another
worker may take the claim back (or, for a send, mark it uncertain).
BONTA_REMINDER_MAX_ATTEMPTS (5): temporary SMTP refusals before a reminder is failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from bonta.reminders.models import ReminderKind

TLS_MODES = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str
    password: str
    tls: str  # one of TLS_MODES
    timeout_seconds: int
    sender: str  # the envelope and From address

    def __repr__(self) -> str:  # never print the password
        return f"SmtpConfig(host={self.host!r}, port={self.port}, tls={self.tls!r})"


@dataclass(frozen=True)
class Clinic:
    name: str
    address: str
    phone: str
    public_url: str  # no trailing slash

    @property
    def domain(self) -> str:
        """The host in Message-IDs and calendar UIDs."""
        return urlsplit(self.public_url).hostname or "localhost"


def smtp_config() -> SmtpConfig:
    """The SMTP settings, or ImproperlyConfigured naming the variable at fault."""
    host = str(settings.BONTA_SMTP_HOST).strip()
    if not host:
        raise ImproperlyConfigured("BONTA_SMTP_HOST is not set: the worker has no server")
    return SmtpConfig(
        host=host,
        port=_whole("BONTA_SMTP_PORT", settings.BONTA_SMTP_PORT, 1, 65535),
        user=str(settings.BONTA_SMTP_USER),
        password=str(settings.BONTA_SMTP_PASSWORD),
        tls=tls_mode(),
        timeout_seconds=_whole("BONTA_SMTP_TIMEOUT", settings.BONTA_SMTP_TIMEOUT, 1, 600),
        sender=sender_address(required=True),
    )


def tls_mode() -> str:
    mode = str(settings.BONTA_SMTP_TLS).strip().lower()
    if mode not in TLS_MODES:
        raise ImproperlyConfigured(
            f"BONTA_SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {mode!r}"
        )
    return mode


def sender_address(*, required: bool) -> str:
    raw = str(settings.BONTA_SMTP_FROM).strip()
    if not raw:
        if required:
            raise ImproperlyConfigured("BONTA_SMTP_FROM is not set: reminders need a sender")
        return ""
    _, address = parseaddr(raw)
    if "@" not in address or address != raw or not address.isascii():
        raise ImproperlyConfigured(
            f"BONTA_SMTP_FROM must be a plain ASCII address like reminders@clinic.example, "
            f"not {raw!r}"
        )
    Address(addr_spec=address)  # raises on a malformed address
    return address


def clinic() -> Clinic:
    url = str(settings.BONTA_PUBLIC_URL).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            f"BONTA_PUBLIC_URL must be an http(s) address like https://clinic.example, not {url!r}"
        )
    return Clinic(
        name=str(settings.BONTA_CLINIC_NAME).strip() or "Bonta clinic",
        address=str(settings.BONTA_CLINIC_ADDRESS).strip(),
        phone=str(settings.BONTA_CLINIC_PHONE).strip(),
        public_url=url,
    )


MAX_LEAD = timedelta(days=60)  # a sanity bound on the setting, not a policy


def leads() -> dict[str, timedelta]:
    """How long before the start each kind of reminder is due; kinds set to 0 are off."""
    hours = _whole(
        "BONTA_REMINDER_HOURS_BEFORE",
        settings.BONTA_REMINDER_HOURS_BEFORE,
        0,
        int(MAX_LEAD.total_seconds()) // 3600,
    )
    return {ReminderKind.ADVANCE.value: timedelta(hours=hours)} if hours else {}


def lease() -> timedelta:
    seconds = _whole(
        "BONTA_REMINDER_LEASE_SECONDS", settings.BONTA_REMINDER_LEASE_SECONDS, 1, 86400
    )
    return timedelta(seconds=seconds)


def max_attempts() -> int:
    return _whole("BONTA_REMINDER_MAX_ATTEMPTS", settings.BONTA_REMINDER_MAX_ATTEMPTS, 1, 100)


def _whole(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ImproperlyConfigured(f"{name} must be a whole number from {low} to {high}")
    return value
