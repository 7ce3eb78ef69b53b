"""Response headers and session handling every page shares."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
