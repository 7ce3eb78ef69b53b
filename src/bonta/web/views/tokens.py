"""API tokens, for the clinic manager: who holds one, until when, last used; revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bonta.accounts.tokens import (
    MANAGE_TOKENS,
    TokenRefused,
    read_tokens,
    revoke_token_as_manager,
)
from bonta.ui.access import not_found, staff


@staff(MANAGE_TOKENS, action="manage API tokens")
def token_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [(t, t.status(now)) for t in read_tokens(by=request.user)]  # type: ignore[arg-type]
    return render(request, "web/tokens.html", {"rows": rows})


@staff(MANAGE_TOKENS, action="manage API tokens")
@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    try:
        token = revoke_token_as_manager(token_id, by=request.user)  # type: ignore[arg-type]
    except TokenRefused as error:
        return not_found(request, str(error))
    messages.success(request, f"Token “{token.name}” of {token.user.username} is revoked.")
    return redirect("web:tokens")
