"""Sign-in throttling (django-axes) as Bonta sees it: audit of sign-ins, sign-outs, failures and
lockouts, the list of current lockouts, and unlocking.

Every sign-in that opens a session is `auth.login` (actor: the account; `kind`: staff, portal
or mfa — the step that completed it), a second factor given in a session already open is
`auth.mfa_verified`, and signing out is `auth.logout`.

Axes counts each failed sign-in against the combination of username and client address and
refuses that combination for BONTA_LOGIN_LOCKOUT_MINUTES once BONTA_LOGIN_MAX_FAILURES is reached
(settings, "Security"). A wrong MFA code is a failed sign-in too (bonta.web.views.auth sends the
signal).

What the audit log keeps of a failure: the action, the sign-in it was (`kind`: staff, portal,
mfa), the failure count and whether the combination is now locked (`status`), and the account's
id — only when the username names an account. A username that names no account is not recorded
anywhere in the audit log: it is often a password typed into the wrong box. Passwords and codes
are never recorded (axes masks them in its own table too). The client address stays in axes'
table for the lockout period only, where the manager's lockout page reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import record

# The sign-in a request is, set by each sign-in view on the request (staff, portal, mfa).
KIND_ATTRIBUTE = "bonta_sign_in"


def _account(username: object) -> User | None:
    if not isinstance(username, str) or not username:
        return None
    return User.objects.filter(username=username).first()


def _kind(request: HttpRequest | None) -> str:
    return str(getattr(request, KIND_ATTRIBUTE, "") or "other")


def audit_failure(
    sender: object,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    """Runs after axes has counted the failure (axes is installed before bonta.accounts)."""
    user = _account(credentials.get("username"))
    locked = bool(getattr(request, "axes_locked_out", False))
    detail: dict[str, Any] = {"kind": _kind(request), "status": "locked" if locked else "counted"}
    count = getattr(request, "axes_failures_since_start", None)
    if count is not None:
        detail["count"] = count
    with transaction.atomic():
        record(
            "auth.login_failed",
            actor=None,
            object_type="user",
            object_id=user.pk if user else "",
            detail=detail,
        )


def audit_lockout(
    sender: object, request: HttpRequest | None = None, username: object = None, **kwargs: Any
) -> None:
    """A new lockout (axes also sends this for each attempt refused during one: not re-logged,
    those are `auth.login_failed` with status locked)."""
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    user = _account(username)
    with transaction.atomic():
        record(
            "auth.locked_out",
            actor=None,
            object_type="user",
            object_id=user.pk if user else "",
            detail={"kind": _kind(request), "count": request.axes_failures_since_start},
        )


def _audit_account(action: str, user: User, detail: dict[str, Any]) -> None:
    with transaction.atomic():
        record(action, actor=user, object_type="user", object_id=user.pk, detail=detail)


def audit_sign_in(
    sender: object, request: HttpRequest | None = None, user: User | None = None, **kwargs: Any
) -> None:
    """A session opened for `user` (Django's login())."""
    if user is not None:
        _audit_account("auth.login", user, {"kind": _kind(request)})


def audit_second_factor(request: HttpRequest, user: User) -> None:
    """The MFA code given in a session that the password step already opened."""
    _audit_account("auth.mfa_verified", user, {"kind": _kind(request)})


def audit_sign_out(
    sender: object, request: HttpRequest | None = None, user: User | None = None, **kwargs: Any
) -> None:
    if user is not None:  # None: no one was signed in
        _audit_account("auth.logout", user, {})


def connect() -> None:
    user_logged_in.connect(audit_sign_in, dispatch_uid="bonta.accounts.audit_sign_in")
    user_logged_out.connect(audit_sign_out, dispatch_uid="bonta.accounts.audit_sign_out")
    user_login_failed.connect(audit_failure, dispatch_uid="bonta.accounts.audit_failure")
    user_locked_out.connect(audit_lockout, dispatch_uid="bonta.accounts.audit_lockout")


# ---- the lockouts in force, and unlocking -------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    user: User
    address: str
    failures: int
    until: datetime


def lockout_minutes() -> int:
    return int(settings.BONTA_LOGIN_LOCKOUT_MINUTES)


def current_lockouts() -> tuple[list[Lockout], int]:
    """Lockouts in force for accounts, and how many more are for usernames naming no account
    (those lock nobody out and are not listed)."""
    cool_off = settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    users = {u.username: u for u in User.objects.filter(username__in=[r["username"] for r in rows])}
    lockouts, unknown = [], 0
    for row in rows:
        user = users.get(row["username"])
        if user is None:
            unknown += 1
            continue
        lockouts.append(
            Lockout(user, row["ip_address"] or "", row["failures"], row["last"] + cool_off)
        )
    return lockouts, unknown


def unlock(user: User, *, actor: User | None, address: str | None = None, via: str) -> int:
    """Clear the user's failures (from one address, or all); audited. Returns rows cleared."""
    with transaction.atomic():
        attempts = AccessAttempt.objects.filter(username=user.username)
        if address is not None:
            attempts = attempts.filter(ip_address=address or None)
        cleared, _ = attempts.delete()
        record(
            "auth.unlocked",
            actor=actor,
            object_type="user",
            object_id=user.pk,
            detail={"kind": via, "count": cleared},
        )
    return cleared
