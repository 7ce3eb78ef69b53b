"""Response headers and session handling every page shares."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from bonta.accounts import mfa

POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 proxies) on every response
    but the public guide and static files, so no browser or proxy keeps a copy of a page with
    patient data: charts, the workspace, the portal, the API, FHIR, errors, sign-in.

    Listing what may be cached (rather than what may not) fails safe: a new page is no-store
    until someone decides otherwise. A view that already says no-store keeps its own header.
    """

    CACHEABLE_PREFIXES = ("/guide/",)  # public, patient-free content

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.cacheable = (settings.STATIC_URL, *self.CACHEABLE_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(self.cacheable):
            return response
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


class SlidingSessionMiddleware:
    """Restart the idle log-off timer on activity, writing the session at most once a minute.

    Saving on every request (SESSION_SAVE_EVERY_REQUEST) costs a write and a commit per click;
    touching it once a minute keeps the limit fail-safe: never longer than SESSION_COOKIE_AGE.
    """

    TOUCH_EVERY_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and session.session_key:
            now = int(time.time())
            if now - int(session.get("_touched", 0)) >= self.TOUCH_EVERY_SECONDS:
                session["_touched"] = now  # marks it modified: saved with a new expiry
        return response


class MfaRequiredMiddleware:
    """A signed-in user whose role must use MFA reaches no page until this session has passed
    it: they are sent to enrol (no authenticator yet) or to give a code.

    The sign-in itself never signs such a user in without a code (bonta.web.views.auth); this
    catches the rest: a role changed to one that needs MFA while signed in, or a session made
    some other way. The sign-in pages, static files, the health check, the public guide and the
    API (bearer tokens, no session) are open.
    """

    OPEN = ("/login/", "/logout/", "/static/", "/healthz", "/guide/", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.session.get(mfa.VERIFIED_SESSION_KEY)
            and not request.path_info.startswith(self.OPEN)
            and mfa.required_for(user)  # type: ignore[arg-type]
        ):
            step = "web:mfa_verify" if mfa.is_enrolled(user) else "web:mfa_enrol"  # type: ignore[arg-type]
            return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
