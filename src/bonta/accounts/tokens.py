"""Issue, check and revoke API bearer tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from bonta.accounts.models import ApiToken, Role, User
from bonta.audit.log import record

KEY_PREFIX = "bonta_"


def hash_key(key: str) -> str:
    # The key carries 256 random bits, so a plain sha256 is enough; no salt or slow hash needed.
    return hashlib.sha256(key.encode()).hexdigest()


class TokenRefused(Exception):
    """API tokens are for staff: a patient (portal) account may not hold one."""


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with the key, which is never retrievable again."""
    if user.role == Role.PATIENT:
        raise TokenRefused("API tokens are for staff; a patient (portal) account cannot hold one")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, key_hash=hash_key(key))
        record("token.issue", actor=user, object_type="api_token", object_id=token.pk)
    return token, key


def user_for_key(key: str) -> User | None:
    """The active staff user a live key belongs to, else None (never a patient account)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .exclude(user__role=Role.PATIENT)
        .first()
    )
    return token.user if token else None


def revoke_token(token: ApiToken, by: User) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record("token.revoke", actor=by, object_type="api_token", object_id=token.pk)
