"""Sign-in and sign-out (Django's session auth; argon2 hashes, idle expiry from settings).

Staff sign in here; patients sign in to the portal (`/portal/login/`, `bonta.portal`). Each
login refuses the other kind of account, with a message saying where to go instead.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from bonta.accounts.models import Role, User

PORTAL_LOGIN = "/portal/login/"


class StaffAuthenticationForm(AuthenticationForm):
    def confirm_login_allowed(self, user: User) -> None:  # type: ignore[override]
        super().confirm_login_allowed(user)
        if user.role == Role.PATIENT:
            raise forms.ValidationError(
                f"This is a patient account. Patients sign in to the portal at {PORTAL_LOGIN}",
                code="patient_account",
            )


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True
    next_page = "/patients/"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.user, "role", None) == Role.PATIENT:
            return redirect("portal:home")  # a signed-in patient has no staff pages
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle"] = self.request.GET.get("idle") == "1"
        context["idle_minutes"] = settings.SESSION_COOKIE_AGE // 60
        return context


class LogoutView(auth_views.LogoutView):
    next_page = "/login/"
