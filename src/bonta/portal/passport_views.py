"""The patient's own toxin passport in the portal: the list, the totals, and the PDF."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bonta.passport import services
from bonta.passport.pdf import passport_pdf
from bonta.portal.access import patient_required


@patient_required
def passport(request: HttpRequest) -> HttpResponse:
    issued = services.issue_passport(request.patient, by=request.user)  # type: ignore[attr-defined,arg-type]
    context = {"passport": issued, "lines": services.lines(issued.data)}
    response = render(request, "portal/passport.html", context)
    response["Cache-Control"] = "no-store"
    return response


@patient_required
def passport_pdf_download(request: HttpRequest) -> HttpResponse:
    issued = services.issue_passport(request.patient, by=request.user)  # type: ignore[attr-defined,arg-type]
    response = HttpResponse(passport_pdf(issued), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="toxin-passport.pdf"'
    response["Cache-Control"] = "no-store"
    return response
