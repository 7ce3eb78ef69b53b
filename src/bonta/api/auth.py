"""Bearer-token authentication: `Authorization: Bearer <key>` (keys from bonta_issue_token)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from bonta.accounts.models import User
from bonta.accounts.tokens import user_for_key


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return user_for_key(token)


def user_of(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user
