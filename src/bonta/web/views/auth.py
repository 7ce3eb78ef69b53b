"""Sign-in and sign-out (Django's session auth; argon2 hashes, idle expiry from settings), with
sign-in throttling (django-axes) and TOTP MFA for staff (bonta.accounts.mfa).

Staff sign in here; patients sign in to the portal (`/portal/login/`, `bonta.portal`). Each
login refuses the other kind of account, with a message saying where to go instead.

With MFA the password step does not sign in: it remembers the user in the session (for five
minutes, under a new session key) and asks for a code (`/login/mfa/`), or, for a role that must
use MFA and has no authenticator yet, sets one up first (`/login/mfa/enrol/`). Only a right code
signs in. A wrong code is a failed sign-in for the throttle, like a wrong password.
"""

from __future__ import annotations

import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from bonta.accounts import mfa, throttle
from bonta.accounts.models import Role, User
from bonta.accounts.throttle import KIND_ATTRIBUTE

PORTAL_LOGIN = "/portal/login/"
HOME = "/patients/"


class StaffAuthenticationForm(AuthenticationForm):
    def confirm_login_allowed(self, user: User) -> None:  # type: ignore[override]
        super().confirm_login_allowed(user)
        if user.role == Role.PATIENT:
            raise forms.ValidationError(
                f"This is a patient account. Patients sign in to the portal at {PORTAL_LOGIN}",
                code="patient_account",
            )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6 digits your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}
        ),
    )


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True
    next_page = HOME

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        setattr(request, KIND_ATTRIBUTE, "staff")
        if getattr(request.user, "role", None) == Role.PATIENT:
            return redirect("portal:home")  # a signed-in patient has no staff pages
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user: User = form.get_user()  # type: ignore[assignment]
        if not mfa.asks_for_code(user):
            return super().form_valid(form)
        session = self.request.session
        session.cycle_key()  # the half-signed-in session gets a key of its own
        session[mfa.PENDING_SESSION_KEY] = {
            "user": str(user.pk),
            "backend": user.backend,  # type: ignore[attr-defined]
            "since": int(time.time()),
            "next": self.get_success_url(),
        }
        return redirect("web:mfa_verify" if mfa.is_enrolled(user) else "web:mfa_enrol")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle"] = self.request.GET.get("idle") == "1"
        context["idle_minutes"] = settings.SESSION_COOKIE_AGE // 60
        context["expired"] = self.request.GET.get("mfa") == "expired"
        return context


class LogoutView(auth_views.LogoutView):
    next_page = "/login/"


# ---- MFA steps ----------------------------------------------------------------------------------


def _subject(request: HttpRequest) -> tuple[User | None, bool]:
    """Whose code this page asks for, and whether they are signed in already.

    A signed-in user reaches these pages when the middleware sends them (their role now needs
    MFA) or to enrol by choice; otherwise it is the user who just gave the right password.
    """
    if request.user.is_authenticated:
        user: User = request.user  # type: ignore[assignment]
        return (None if user.is_patient else user), True
    pending = request.session.get(mfa.PENDING_SESSION_KEY)
    if not pending or time.time() - pending.get("since", 0) > mfa.PENDING_SECONDS:
        return None, False
    return User.objects.filter(pk=pending["user"], is_active=True).first(), False


def _next_url(request: HttpRequest) -> str:
    pending = request.session.get(mfa.PENDING_SESSION_KEY) or {}
    candidate = pending.get("next") or request.GET.get("next") or request.POST.get("next") or HOME
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return str(candidate)
    return HOME


def _sign_in(request: HttpRequest, user: User, signed_in: bool) -> None:
    """The code was right: sign in (if the password step came first) and mark the session."""
    pending = request.session.pop(mfa.PENDING_SESSION_KEY, None) or {}
    if not signed_in:
        login(request, user, backend=pending.get("backend") or settings.AUTHENTICATION_BACKENDS[-1])
    else:
        throttle.audit_second_factor(request, user)
    request.session[mfa.VERIFIED_SESSION_KEY] = True


def _refused_code(request: HttpRequest, user: User, form: CodeForm) -> None:
    """A wrong code: counted by the throttle (and so audited) like a wrong password."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.username}, request=request
    )
    form.add_error("code", "That code is not right. Check the time on your phone, and try again.")


def _start_again(request: HttpRequest) -> HttpResponse:
    request.session.pop(mfa.PENDING_SESSION_KEY, None)
    return redirect("/login/?mfa=expired")


def _code_page(
    request: HttpRequest, template: str, context: dict[str, Any], form: CodeForm
) -> HttpResponse:
    status = 422 if request.method == "POST" else 200
    response = render(request, template, {**context, "form": form}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def mfa_verify(request: HttpRequest) -> HttpResponse:
    setattr(request, KIND_ATTRIBUTE, "mfa")
    user, signed_in = _subject(request)
    if user is None:
        return _start_again(request)
    if signed_in and request.session.get(mfa.VERIFIED_SESSION_KEY):
        return redirect(_next_url(request))
    if not mfa.is_enrolled(user):
        return redirect("web:mfa_enrol")
    credentials = {"username": user.username}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return locked_out(request, None, credentials)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.verify(user, form.cleaned_data["code"]) is not None:
            next_url = _next_url(request)
            _sign_in(request, user, signed_in)
            return redirect(next_url)
        _refused_code(request, user, form)
    return _code_page(request, "web/mfa_verify.html", {"next": _next_url(request)}, form)


def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: QR code (and the secret, for typing in), then a first code."""
    setattr(request, KIND_ATTRIBUTE, "mfa")
    user, signed_in = _subject(request)
    if user is None:
        return _start_again(request)
    if mfa.is_enrolled(user):
        if signed_in and request.session.get(mfa.VERIFIED_SESSION_KEY):
            return render(request, "web/mfa_enrolled_already.html", {})
        return redirect("web:mfa_verify")
    credentials = {"username": user.username}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return locked_out(request, None, credentials)
    device = mfa.pending_device(user)
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = "The 6 digits your authenticator app shows now."
    if request.method == "POST" and form.is_valid():
        next_url = _next_url(request)
        codes = mfa.confirm_enrolment(user, form.cleaned_data["code"])
        if codes is not None:
            _sign_in(request, user, signed_in)
            response = render(
                request, "web/mfa_recovery_codes.html", {"codes": codes, "next": next_url}
            )
            response["Cache-Control"] = "no-store"
            return response
        _refused_code(request, user, form)
    try:
        secret = mfa.secret_of(device)
    except mfa.MfaKeyMismatch:
        mfa.reset(user, actor=None)  # an unconfirmed secret under an old key: start afresh
        device = mfa.pending_device(user)
        secret = mfa.secret_of(device)
    uri = mfa.provisioning_uri(user, device)
    context = {
        "qr": mfa.qr_svg(uri),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": uri,
        "required": mfa.required_for(user),
        "next": _next_url(request),
    }
    return _code_page(request, "web/mfa_enrol.html", context, form)


# ---- the lockout page (settings.AXES_LOCKOUT_CALLABLE) ------------------------------------------


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The same page whether or not the username names an account (axes counts both alike)."""
    if hasattr(request, "session"):
        request.session.pop(mfa.PENDING_SESSION_KEY, None)
    match = getattr(request, "resolver_match", None)
    portal = match is not None and match.app_name == "portal"
    template = "portal/locked.html" if portal else "web/locked.html"
    context = {"minutes": settings.BONTA_LOGIN_LOCKOUT_MINUTES}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(settings.BONTA_LOGIN_LOCKOUT_MINUTES * 60)
    return response
