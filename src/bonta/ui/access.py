"""Who may open which page: login for all, role sets for clinical pages, a clear 403 otherwise.

The role sets are the services' own (`bonta.records.services._common`), so a page and the
service behind it never disagree; the service still checks again on every write.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bonta.records.errors import NotAllowed, NotFound
from bonta.records.services._common import ANY_STAFF, CLINICAL_READ, CLINICAL_WRITE, SIGN

__all__ = ["ANY_STAFF", "CLINICAL_READ", "CLINICAL_WRITE", "SIGN", "forbidden", "staff"]

View = Callable[..., HttpResponse]


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "web/403.html", {"message": message}, status=403)


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "web/404.html", {"message": message}, status=404)


def staff(
    roles: Collection[str] = ANY_STAFF, action: str = "open this page"
) -> Callable[[View], View]:
    """Login required; the user's role must be in `roles`; service refusals become 403/404."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.role not in roles:  # type: ignore[union-attr]
                return forbidden(
                    request,
                    f"Your role ({request.user.get_role_display()}) may not {action}.",  # type: ignore[union-attr]
                )
            try:
                return view(request, *args, **kwargs)
            except NotAllowed as error:
                return forbidden(request, error.message)
            except NotFound as error:
                return not_found(request, error.message)

        return wrapped

    return decorate
