"""Issue, check, list and revoke API bearer tokens.

Only a key's sha256 is stored; the key is shown once. A token works until it expires
(settings.BONTA_API_TOKEN_DAYS after issue, or the days asked for) or is revoked; then the API
answers 401. `last_used_at` is written at most once a minute, so a busy script does not cost a
database write per request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bonta.accounts.models import ApiToken, Role, User
from bonta.audit.log import record
from bonta.db.prepared import Statement, field_of

KEY_PREFIX = "bonta_"
MAX_DAYS = 3650
LAST_USED_EVERY = timedelta(minutes=1)


def hash_key(key: str) -> str:
    # The key carries 256 random bits, so a plain sha256 is enough; no salt or slow hash needed.
    return hashlib.sha256(key.encode()).hexdigest()


class TokenRefused(Exception):
    """A token request that cannot be met (a patient account; days out of range; unknown id)."""


def issue_token(user: User, name: str, *, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with the key, which is never retrievable again."""
    if user.role == Role.PATIENT:
        raise TokenRefused("API tokens are for staff; a patient (portal) account cannot hold one")
    days = settings.BONTA_API_TOKEN_DAYS if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise TokenRefused(f"days must be a whole number from 1 to {MAX_DAYS}, not {days!r}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=days)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, key_hash=hash_key(key), expires_at=expires_at
        )
        record("token.issue", actor=user, object_type="api_token", object_id=token.pk)
    return token, key


# Every API request runs this (compiled once: bonta.db.prepared).
_LIVE_TOKEN: Statement[ApiToken] = Statement(
    lambda key_hash, now: (
        ApiToken.objects.select_related("user")
        .filter(
            key_hash=key_hash, revoked_at__isnull=True, expires_at__gt=now, user__is_active=True
        )
        .exclude(user__role=Role.PATIENT)
        .order_by("pk")[:1]
    ),
    key_hash=field_of(ApiToken, "key_hash"),
    now=field_of(ApiToken, "expires_at"),
)


def user_for_key(key: str) -> User | None:
    """The active staff user a live key belongs to, else None (revoked, expired, unknown,
    inactive, or a patient account)."""
    now = timezone.now()
    found = _LIVE_TOKEN.run(key_hash=hash_key(key), now=now)
    if not found:
        return None
    token = found[0]
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def list_tokens(user: User | None = None) -> QuerySet[ApiToken]:
    """Every token (or `user`'s), newest first, with its user."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at")
    return tokens.filter(user=user) if user is not None else tokens


def find_token(token_id: object) -> ApiToken:
    try:
        return ApiToken.objects.select_related("user").get(pk=token_id)
    except (ApiToken.DoesNotExist, ValueError, ValidationError):
        raise TokenRefused(f"no API token {token_id}") from None


def revoke_token(token: ApiToken, by: User | None) -> bool:
    """Revoke `token` now (audited; `by` None: from the command line). False if it already was."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return False
        locked.revoked_at = token.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record("token.revoke", actor=by, object_type="api_token", object_id=token.pk)
    return True


MANAGE_TOKENS = frozenset({Role.MANAGER})  # the manager's page lists and revokes any token


def read_tokens(*, by: User) -> list[ApiToken]:
    """Every token, for the manager's page; the read is audited (count only)."""
    _may_manage(by)
    with transaction.atomic():
        tokens = list(list_tokens())
        record("token.list", actor=by, object_type="api_token", detail={"count": len(tokens)})
    return tokens


def revoke_token_as_manager(token_id: object, *, by: User) -> ApiToken:
    """Revoke a token from the manager's page (audited); TokenRefused for an unknown id."""
    _may_manage(by)
    token = find_token(token_id)
    revoke_token(token, by=by)
    return token


def _may_manage(user: User) -> None:
    if not user.is_active or user.role not in MANAGE_TOKENS:
        raise PermissionError(f"Your role ({user.role}) may not manage API tokens.")
