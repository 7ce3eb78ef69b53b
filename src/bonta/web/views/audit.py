"""The manager's audit report: filter, page through, export as CSV (bonta.web.audit_report)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from bonta.domain.errors import InvalidInput
from bonta.ui.access import staff
from bonta.web import audit_report
from bonta.web.audit_report import REPORT_ROLES

FIELDS = ("patient", "user", "action", "since", "until")


@staff(REPORT_ROLES, "see the audit report")
def report(request: HttpRequest) -> HttpResponse:
    values = {name: request.GET.get(name, "").strip() for name in FIELDS}
    query = urlencode({k: v for k, v in values.items() if v})
    context: dict[str, object] = {"values": values, "query": query, "error": None}
    try:
        filters = audit_report.parse_filters(values)
    except InvalidInput as error:
        context["error"] = error
        return render(request, "web/audit/report.html", context, status=400)
    page, rows = audit_report.report_page(
        filters,
        by=request.user,  # type: ignore[arg-type]
        page=request.GET.get("page", 1),
    )
    context.update(page=page, rows=rows)
    return render(request, "web/audit/report.html", context)


@staff(REPORT_ROLES, "export the audit report")
def report_csv(request: HttpRequest) -> HttpResponse:
    values = {name: request.GET.get(name, "").strip() for name in FIELDS}
    try:
        filters = audit_report.parse_filters(values)
    except InvalidInput as error:
        return HttpResponse(
            f"{error.field}: {error.reason}\n", status=400, content_type="text/plain"
        )
    lines = audit_report.report_csv(filters, by=request.user)  # type: ignore[arg-type]
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="bonta-audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
