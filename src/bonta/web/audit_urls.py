"""The manager's audit report (included at /audit/ by bonta.urls)."""

from django.urls import path

from bonta.web.views import audit

app_name = "audit_report"

urlpatterns = [
    path("", audit.report, name="report"),
    path("export.csv", audit.report_csv, name="csv"),
]
