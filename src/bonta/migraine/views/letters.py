"""Letters for commissioners and insurers: the chronic-migraine summary as a PDF.

Staff with clinical access only (clinician, nurse, manager); reception is refused. The read is
audited by `bonta.migraine.letter.migraine_letter`; the PDF is not cached by the browser.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from bonta.migraine.letter import migraine_letter
from bonta.migraine.letter_pdf import render_migraine_letter
from bonta.migraine.services import local_today
from bonta.records.services import get_patient
from bonta.ui.access import CLINICAL_READ, staff


@staff(CLINICAL_READ, action="prepare migraine summary letters")
def migraine_summary_pdf(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_patient(patient_id, by=request.user)  # type: ignore[arg-type]
    letter = migraine_letter(patient, local_today(), by=request.user)  # type: ignore[arg-type]
    response = HttpResponse(render_migraine_letter(letter), content_type="application/pdf")
    name = f"migraine-{letter.kind}-summary-{letter.as_of.isoformat()}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
