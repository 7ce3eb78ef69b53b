"""Who may open which page: login for all, role sets for clinical pages, a clear 403 otherwise.

A patient (a portal account) who opens a staff page gets a patient's 403: no staff navigation,
no talk of roles, a link back to the patient portal (`web/403.html` reads `for_patient`).

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


PATIENT_REFUSAL = "This page is for clinic staff. Your own records are in the patient portal."


def is_patient(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_patient", False))


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """The 403 page; for a patient account, the patient's version of it."""
    context = {"message": message, "for_patient": is_patient(request)}
    return render(request, "web/403.html", context, status=403)


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    context = {"message": message, "for_patient": is_patient(request)}
    return render(request, "web/404.html", context, status=404)


def staff(
    roles: Collection[str] = ANY_STAFF, action: str = "open this page"
) -> Callable[[View], View]:
    """Login required; the user's role must be in `roles`; service refusals become 403/404."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if is_patient(request):
                return forbidden(request, PATIENT_REFUSAL)
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
