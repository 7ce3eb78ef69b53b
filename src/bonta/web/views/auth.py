"""Sign-in and sign-out (Django's session auth; argon2 hashes, idle expiry from settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    next_page = "/patients/"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle"] = self.request.GET.get("idle") == "1"
        context["idle_minutes"] = settings.SESSION_COOKIE_AGE // 60
        return context


class LogoutView(auth_views.LogoutView):
    next_page = "/login/"
