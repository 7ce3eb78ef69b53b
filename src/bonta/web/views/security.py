"""The manager's sign-in lockout page: who is locked out now, from which address, and unlock."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bonta.accounts import throttle
from bonta.accounts.models import Role, User
from bonta.ui.access import staff


@staff({Role.MANAGER}, "manage sign-in lockouts")
def lockouts(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        user = User.objects.filter(username=request.POST.get("username", "")).first()
        if user is None:
            messages.error(request, "username: no such account; nothing was unlocked.")
        else:
            address = request.POST.get("address")
            throttle.unlock(user, actor=request.user, address=address, via="page")
            messages.success(request, f"{user.username} can sign in again.")
        return redirect("web:lockouts")
    current, unknown = throttle.current_lockouts()
    context = {"lockouts": current, "unknown": unknown, "minutes": throttle.lockout_minutes()}
    return render(request, "web/security/lockouts.html", context)
