"""The one settings module. Configuration comes from the environment (12-factor), parsed strictly.

BONTA_DATA_DIR   where the SQLite database, the generated secret key and uploads live
                 (default ./data)
DATABASE_URL     e.g. postgres://user@127.0.0.1:5432/bonta (default sqlite:///DATA_DIR/bonta.sqlite3)
SECRET_KEY       default: generated once and kept in DATA_DIR/secret_key
BONTA_DEBUG      "1"/"0" (default 0)
BONTA_ALLOWED_HOSTS  comma-separated (default 127.0.0.1,localhost)
BONTA_TIME_ZONE  the clinic's time zone; diary days and session dates are local (default UTC)
BONTA_SESSION_IDLE_MINUTES  automatic log-off after inactivity (default 15)
BONTA_SMTP_*, BONTA_CLINIC_NAME/ADDRESS/PHONE, BONTA_PUBLIC_URL, BONTA_REMINDER_*
                 reminder e-mail (`bonta worker`): the block at the end, bonta/reminders/config.py
BONTA_AUDIT_KEY_FILE  the audit chain's HMAC key (default DATA_DIR/audit_key; block at the end)
BONTA_CLINIC_HOURS  opening hours framing the appointments calendar, local whole hours "8-19"
                 (default 8-19; clinic policy, not a clinical rule)
BONTA_HTTPS, BONTA_LOGIN_*, BONTA_MFA_*, BONTA_DEMO
                 sign-in security and HTTPS hardening: the "Security" block at the end
BONTA_API_TOKEN_DAYS  how long a new API token works (default 90, 1–3650)
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("BONTA_DATA_DIR", "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _generated_once(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in `path`, generated on first use. Written to a private temporary file
    and linked into place, so processes starting together (gunicorn workers, parallel test
    workers) agree on one value and never read a half-written file."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as out:
                out.write(make())
            with contextlib.suppress(FileExistsError):  # another process won: use theirs
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_text().strip()


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    return _generated_once(DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(50))


SECRET_KEY = _secret_key()
DEBUG = env_bool("BONTA_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("BONTA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI from its own static files, not a CDN
    "axes",  # sign-in throttling (the "Security" block below); before bonta.accounts, whose
    # audit receivers read the failure count axes has just stored
    "bonta.accounts",
    "bonta.audit",
    "bonta.records",
    "bonta.web",
    "bonta.guide",
    "bonta.migraine",
    "bonta.appointments",
    "bonta.reminders",
    "bonta.consent",
    "bonta.cosmetic",
    "bonta.portal",
    "bonta.photos",
    "bonta.lotrecall",
    "bonta.aereports",
    "bonta.passport",
    "bonta.fhir",  # Bulk Data export jobs, imported bundles and their review
    "bonta.cli",  # the Django-backed `bonta` commands (serve, demo) as management commands
]

# The chart page frame (bonta.web) shows the panels feature apps contribute, in this order: each
# entry names the panel's template and the function that returns its context, called with the
# chart's template context and the patient. The web shell imports no feature app.
BONTA_CHART_PANELS = [
    ("migraine/_chart_panel.html", "bonta.migraine.panel.chart_panel"),
    (
        "appointments/_patient_panel.html",
        "bonta.appointments.templatetags.appointments.appointments_panel",
    ),
    ("portal/staff/_panel.html", "bonta.portal.templatetags.portal_tags.portal_panel"),
    ("reminders/_chart_panel.html", "bonta.reminders.templatetags.reminder_tags.reminder_panel"),
    ("cosmetic/_panel.html", "bonta.cosmetic.templatetags.cosmetic.cosmetic_panel"),
    ("consent/_panel.html", "bonta.consent.templatetags.consent.consent_panel"),
    ("photos/_panel.html", "bonta.photos.templatetags.photos.photos_panel"),
    ("aereports/_panel.html", "bonta.aereports.panel.chart_panel"),
    ("passport/_panel.html", "bonta.passport.panel.chart_panel"),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bonta.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bonta.web.middleware.NoStoreMiddleware",  # after WhiteNoise: static files stay cacheable
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bonta.web.middleware.MfaRequiredMiddleware",  # the "Security" block below
    "bonta.web.middleware.SlidingSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a lockout into its page
]

ROOT_URLCONF = "bonta.urls"
WSGI_APPLICATION = "bonta.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'bonta.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run during a write; IMMEDIATE takes the write lock at BEGIN, so two
    # sign-offs serialise instead of failing on lock upgrade.
    # Bonta's engine is Django's with read-only snapshots for pages that only read (its doc).
    DATABASES["default"]["ENGINE"] = "bonta.db.sqlite3"
    # Tests: an in-memory database, as Django's own engine gets by default (said outright, since
    # pytest-django names per-process test databases itself for any other engine name).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short clinical queries: PostgreSQL's JIT compiles whenever the planner's cost estimate
    # is high (correlated usage sums over vials are estimated very high), which cost ~16 ms of
    # a 22 ms stock query at 100k patients and saves nothing on queries this size.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"

SESSION_COOKIE_AGE = env_int("BONTA_SESSION_IDLE_MINUTES", 15) * 60
# The idle timer restarts on activity: bonta.web.middleware.SlidingSessionMiddleware re-saves the
# session at most once a minute, so the limit is never longer than this, at most 60 s shorter.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
SESSION_COOKIE_SAMESITE = "Strict"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"


def _clinic_hours(raw: str) -> tuple[int, int]:
    opens, _, closes = raw.partition("-")
    try:
        hours = int(opens), int(closes)
    except ValueError:
        raise ImproperlyConfigured(f"BONTA_CLINIC_HOURS must look like 8-19, not {raw!r}") from None
    if not 0 <= hours[0] < hours[1] <= 24:
        raise ImproperlyConfigured(f"BONTA_CLINIC_HOURS must be 0 <= opens < closes <= 24: {raw!r}")
    return hours


CLINIC_HOURS = _clinic_hours(os.environ.get("BONTA_CLINIC_HOURS") or "8-19")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("BONTA_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from finders; it warns if this is absent
STATICFILES_DIRS = [BASE_DIR / "static"]

# No patient data in logs: only warnings and errors, and request logging names paths
# (opaque UUIDs), never bodies. Secret tokens in paths (portal invitations, reminder opt-out
# links) and token query values are redacted before any handler writes the record
# (bonta.web.logs): on the request loggers, so every handler (and pytest's caplog) sees the
# redacted text, and on the console handler for records from any other logger.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "bonta.web.logs.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "loggers": {
        "django.request": {"filters": ["redact_secrets"]},
        "django.server": {"filters": ["redact_secrets"]},
        "waitress": {"filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}

NINJA_PAGINATION_PER_PAGE = 50

# Static files are served by WhiteNoise straight from the app's static folders (no CDN, no
# collectstatic step for a clinic server).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Appointment reminders (bonta.reminders; validated by its system checks). The web app needs
# none of these; `bonta worker` refuses to start without BONTA_SMTP_HOST and BONTA_SMTP_FROM.
BONTA_SMTP_HOST = os.environ.get("BONTA_SMTP_HOST", "")
BONTA_SMTP_PORT = env_int("BONTA_SMTP_PORT", 587)
BONTA_SMTP_USER = os.environ.get("BONTA_SMTP_USER", "")
BONTA_SMTP_PASSWORD = os.environ.get("BONTA_SMTP_PASSWORD", "")
BONTA_SMTP_TLS = os.environ.get("BONTA_SMTP_TLS", "starttls")  # starttls | tls | none
BONTA_SMTP_TIMEOUT = env_int("BONTA_SMTP_TIMEOUT", 30)
BONTA_SMTP_FROM = os.environ.get("BONTA_SMTP_FROM", "")
BONTA_CLINIC_NAME = os.environ.get("BONTA_CLINIC_NAME", "Bonta clinic")
BONTA_CLINIC_ADDRESS = os.environ.get("BONTA_CLINIC_ADDRESS", "")
BONTA_CLINIC_PHONE = os.environ.get("BONTA_CLINIC_PHONE", "")
BONTA_PUBLIC_URL = os.environ.get("BONTA_PUBLIC_URL", "http://127.0.0.1:8000")
BONTA_REMINDER_HOURS_BEFORE = env_int("BONTA_REMINDER_HOURS_BEFORE", 48)  # clinic policy
BONTA_REMINDER_LEASE_SECONDS = env_int("BONTA_REMINDER_LEASE_SECONDS", 300)
BONTA_REMINDER_MAX_ATTEMPTS = env_int("BONTA_REMINDER_MAX_ATTEMPTS", 5)


# ---- Security: sign-in throttling, MFA, HTTPS ----------------------------------------------
# README "Sign-in security" and "Running behind HTTPS" describe these for operators.

# Sign-in throttling (django-axes) for the staff and the portal sign-in. A failure counts against
# the combination of username and client address; at BONTA_LOGIN_MAX_FAILURES failures that
# combination is refused for BONTA_LOGIN_LOCKOUT_MINUTES (a wrong MFA code counts as a failure).
# A manager unlocks at /security/lockouts/ or with `bonta unlock USERNAME`.
BONTA_LOGIN_MAX_FAILURES = env_int("BONTA_LOGIN_MAX_FAILURES", 5)
BONTA_LOGIN_LOCKOUT_MINUTES = env_int("BONTA_LOGIN_LOCKOUT_MINUTES", 15)
if BONTA_LOGIN_MAX_FAILURES < 1:
    raise ImproperlyConfigured("BONTA_LOGIN_MAX_FAILURES must be at least 1")
if BONTA_LOGIN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured("BONTA_LOGIN_LOCKOUT_MINUTES must be at least 1")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username + address first
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = BONTA_LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=BONTA_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # the combination, not either alone
AXES_RESET_ON_SUCCESS = True  # a completed sign-in (after MFA) clears that user's failures
# Attempts during a lockout are refused (and audited) but do not restart the clock, so the page
# can say when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in Bonta's audit log, not axes' tables
AXES_ENABLE_ADMIN = False
AXES_LOCKOUT_CALLABLE = "bonta.web.views.auth.locked_out"
# Masked in axes' stored request data and its log lines (the password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "code", "csrfmiddlewaretoken"]

# MFA (TOTP, RFC 6238) for staff. Roles listed here must enrol at their next sign-in and give a
# code at every sign-in; other staff may enrol. "none" requires it of nobody. The TOTP secrets are
# encrypted in the database with BONTA_MFA_KEY (default: generated once into DATA_DIR/mfa_key,
# like the secret key); keep that key with the data directory's backups, apart from database
# dumps.
BONTA_MFA_REQUIRED_ROLES = frozenset(
    role.strip()
    for role in (os.environ.get("BONTA_MFA_REQUIRED_ROLES") or "clinician,manager").split(",")
    if role.strip() and role.strip().lower() != "none"
)


def _mfa_key() -> str:
    if os.environ.get("BONTA_MFA_KEY"):
        return os.environ["BONTA_MFA_KEY"]
    return _generated_once(
        DATA_DIR / "mfa_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    )


BONTA_MFA_KEY = _mfa_key()
# Demo mode: the accounts `bonta serve --demo` created (flagged in the database) sign in without
# MFA. Off unless set; `bonta serve --demo` turns it on for its own process and says so.
BONTA_DEMO = env_bool("BONTA_DEMO", False)

# HTTPS. BONTA_HTTPS=1 behind a TLS-terminating proxy (or with TLS in front of waitress): cookies
# only over HTTPS, plain HTTP redirected, HSTS for BONTA_HSTS_SECONDS (default one year). The
# proxy MUST set X-Forwarded-Proto itself and strip any a client sent, since Django trusts it to
# know the request came over HTTPS. `/healthz` answers over plain HTTP for the proxy's probes.
BONTA_HTTPS = env_bool("BONTA_HTTPS", False)
if BONTA_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("BONTA_HSTS_SECONDS", 31_536_000)  # 365 days
    # Both reach beyond this server (every subdomain; browsers' built-in lists, slow to undo):
    # the clinic opts in. Their deploy-check warnings are silenced while they are off on purpose.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("BONTA_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("BONTA_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]

# ---- Audit chain key (bonta.audit.keys) ------------------------------------------------------
# The HMAC key that seals the audit chain and signs checkpoints. It lives outside the database
# (so someone who can only write SQL cannot recompute the chain), is created on first use with
# mode 0600 and is never logged. Several servers on one database must share the same file.
# `bonta backup` includes it; losing it means events written with it can no longer be verified.
BONTA_AUDIT_KEY_FILE = Path(os.environ.get("BONTA_AUDIT_KEY_FILE") or DATA_DIR / "audit_key")

# ---- API tokens -------------------------------------------------------------------------------
# API bearer tokens (bonta.accounts.tokens): how long a new token works unless `bonta token
# --days N` says otherwise; expired and revoked tokens answer 401.
BONTA_API_TOKEN_DAYS = env_int("BONTA_API_TOKEN_DAYS", 90)
if not 1 <= BONTA_API_TOKEN_DAYS <= 3650:
    raise ImproperlyConfigured(
        f"BONTA_API_TOKEN_DAYS must be from 1 to 3650, not {BONTA_API_TOKEN_DAYS}"
    )
