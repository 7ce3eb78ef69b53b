"""Adverse-event reports: the MedWatch 3500 and Yellow Card worksheets carry the mapped fields,
say what Bonta does not record, stay one page; the FHIR download; roles; audit; chart links."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from bonta.accounts.models import User
from bonta.aereports.report import NOT_RECORDED, build_report
from bonta.audit.models import AuditEvent
from bonta.records import services
from bonta.records.models import AdverseEvent, Patient
from web.pdftext import page_count, pdf_text

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf))


def test_report_fields_come_from_the_record(event: AdverseEvent) -> None:
    event = AdverseEvent.objects.select_related("patient", "encounter", "recorded_by").get(
        pk=event.pk
    )
    r = build_report(event, today=date(2025, 3, 20))
    assert r.patient_initials == "AMA"
    assert r.age_at_event == 39  # born 1985-05-17, event 2025-03-10
    assert r.sex == "Female"
    assert r.weight == NOT_RECORDED
    assert r.outcome_yellow_card == "Recovering"
    assert r.suspect is not None
    assert r.suspect.lots == "PT-77"
    assert r.suspect.expiry == "2030-01-01"
    assert r.suspect.dose.startswith("20 U in total (5 injection points)")
    assert "Procerus (midline) 4 U" in r.suspect.sites
    assert r.suspect.date_of_use == date(2025, 3, 3)
    assert "Aminoglycoside antibiotic" in r.concomitant
    assert "Myasthenia gravis" in r.other_history


def test_medwatch_pdf(event: AdverseEvent, as_grey: Client) -> None:
    response = as_grey.get(f"/ae-reports/{event.pk}/medwatch-3500.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert page_count(pdf) == 1
    text = text_of(pdf)
    for label in (
        "A1. Patient identifier",
        "A2. Age at time of event",
        "A3. Sex",
        "A4. Weight",
        "B2. Outcomes attributed to adverse event",
        "B3. Date of event",
        "B5. Describe event",
        "D1. Name, strength, manufacturer",
        "D6. Lot #, expiration date",
        "F. Other (concomitant) medical products",
        "G. Reporter",
    ):
        assert label in text
    for value in (
        "AMA",
        "PT-77",
        "2030-01-01",
        "2025-03-10",
        "Eyelid ptosis",
        "Left upper lid droop 2 mm.",
        "Female",
        "Resolving",
        "Bonta clinic",
    ):
        assert value in text
    assert NOT_RECORDED in text  # weight, tests, NDC …


def test_yellow_card_pdf(event: AdverseEvent, as_grey: Client) -> None:
    pdf = as_grey.get(f"/ae-reports/{event.pk}/yellow-card.pdf").content
    assert page_count(pdf) == 1
    text = text_of(pdf)
    for label in (
        "Patient initials",
        "Identification number",
        "Batch",
        "Route",
        "Dosage",
        "Prescribed for",
        "Outcome",
        "Do you consider the reactions to be serious?",
        "Reporter details",
    ):
        assert label in text
    for value in (
        "AMA",
        "A-001",
        "PT-77",
        "Recovering",
        "Yes",
        "intramuscular injection",
        "Cosmetic",
    ):
        assert value in text
    assert "Ethnicity" in text
    assert NOT_RECORDED in text


def test_an_event_without_a_session_names_no_product(
    patient: Patient, dr_grey: User, as_grey: Client
) -> None:
    event = services.record_adverse_event(
        patient, by=dr_grey, type="bruising", onset=date(2025, 3, 4), severity="mild"
    )
    text = text_of(as_grey.get(f"/ae-reports/{event.pk}/yellow-card.pdf").content)
    assert "No treatment session is linked to this adverse event in Bonta." in text
    assert "Batch" not in text


def test_fhir_download_is_the_facade_mapping(event: AdverseEvent, as_grey: Client) -> None:
    response = as_grey.get(f"/ae-reports/{event.pk}/adverse-event.fhir.json")
    assert response["Content-Type"] == "application/fhir+json"
    resource = json.loads(response.content)
    assert resource["resourceType"] == "AdverseEvent"
    assert resource["id"] == str(event.pk)
    assert resource["outcome"]["coding"][0]["code"] == "recovering"
    from fhir_r4.validate import validate

    validate(resource)


def test_downloads_are_audited(event: AdverseEvent, as_grey: Client) -> None:
    for path in ("", "medwatch-3500.pdf", "yellow-card.pdf", "adverse-event.fhir.json"):
        assert as_grey.get(f"/ae-reports/{event.pk}/{path}").status_code == 200
    kinds = list(
        AuditEvent.objects.filter(action="adverse_event.report", object_id=str(event.pk))
        .order_by("id")
        .values_list("detail__kind", flat=True)
    )
    assert kinds == ["page", "medwatch", "yellow_card", "fhir"]


def test_reception_may_not(event: AdverseEvent, as_rita: Client) -> None:
    assert as_rita.get(f"/ae-reports/{event.pk}/medwatch-3500.pdf").status_code == 403
    assert not AuditEvent.objects.filter(action="adverse_event.report").exists()


def test_unknown_event_is_404(as_grey: Client, dr_grey: User) -> None:
    assert as_grey.get("/ae-reports/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_the_chart_links_each_event_to_its_reports(
    event: AdverseEvent, as_grey: Client, as_rita: Client
) -> None:
    page = as_grey.get(f"/patients/{event.patient_id}/").content.decode()
    assert f"/ae-reports/{event.pk}/medwatch-3500.pdf" in page
    assert f"/ae-reports/{event.pk}/yellow-card.pdf" in page
    assert f"/ae-reports/{event.pk}/adverse-event.fhir.json" in page
    assert "/ae-reports/" not in as_rita.get(f"/patients/{event.patient_id}/").content.decode()
