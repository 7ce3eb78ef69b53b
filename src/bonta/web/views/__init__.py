"""HTML views. Each calls one service (or an audited read) and renders; no clinical rule here."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from bonta.reminders.queries import background_status
from bonta.ui.access import staff


@staff()
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:patients")


def healthz(request: HttpRequest) -> JsonResponse:
    """Up, with the background jobs' backlog: counts and ages only, no patient data."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True, **background_status()})
