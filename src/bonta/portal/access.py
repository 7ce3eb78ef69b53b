"""Who the portal is serving: the patient linked to the signed-in patient account, nobody else.

Every portal view takes its patient from here (the session's account), never from an id in a
URL or a form. Other apps (consent signing) call `patient_of` to authorise a portal user.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bonta.records.actors import patient_of
from bonta.records.errors import NotAllowed, NotFound

__all__ = ["patient_of", "patient_required", "portal_forbidden"]

View = Callable[..., HttpResponse]

LOGIN = "/portal/login/"


def portal_forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "portal/403.html", {"message": message}, status=403)


def patient_required(view: View) -> View:
    """Sign-in as a patient required; puts the patient on `request.patient`.

    Anonymous visitors go to the portal sign-in; staff get a 403 (the portal is not theirs);
    service refusals become a 403/404 page, never a stack trace.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{LOGIN}?{urlencode({'next': request.get_full_path()})}")
        patient = patient_of(user)
        if patient is None:
            return portal_forbidden(
                request,
                "The patient portal is for patients. Staff sign in at /login/.",
            )
        request.patient = patient  # type: ignore[attr-defined]
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as error:
            return portal_forbidden(request, error.message)
        except NotFound as error:
            return render(request, "portal/404.html", {"message": error.message}, status=404)

    return wrapped
