"""Adverse-event report pages: the choice of reports, the two PDFs, and the FHIR resource."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bonta.aereports import services
from bonta.aereports.pdf import medwatch_pdf, yellow_card_pdf
from bonta.aereports.report import build_report
from bonta.fhir.resources.adverse_event import to_fhir
from bonta.ui.access import CLINICAL_READ, staff


@staff(CLINICAL_READ, "report adverse events")
def report_page(request: HttpRequest, event_id: str) -> HttpResponse:
    event = services.report_event(event_id, kind="page", by=request.user)
    context = {"event": event, "patient": event.patient, "report": build_report(event)}
    return render(request, "aereports/report.html", context)


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@staff(CLINICAL_READ, "report adverse events")
def medwatch(request: HttpRequest, event_id: str) -> HttpResponse:
    event = services.report_event(event_id, kind="medwatch", by=request.user)
    return _pdf(medwatch_pdf(build_report(event)), f"medwatch-3500-{event.pk}.pdf")


@staff(CLINICAL_READ, "report adverse events")
def yellow_card(request: HttpRequest, event_id: str) -> HttpResponse:
    event = services.report_event(event_id, kind="yellow_card", by=request.user)
    return _pdf(yellow_card_pdf(build_report(event)), f"yellow-card-{event.pk}.pdf")


@staff(CLINICAL_READ, "report adverse events")
def fhir(request: HttpRequest, event_id: str) -> HttpResponse:
    event = services.report_event(event_id, kind="fhir", by=request.user)
    body = json.dumps(to_fhir(event), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="adverse-event-{event.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response
