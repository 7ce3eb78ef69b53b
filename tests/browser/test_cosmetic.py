"""Cosmetic journey in Chromium: record a baseline, sign a session elsewhere, record the 2-week
review from the chart's panel, and see the change from baseline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bonta.accounts.models import User
from bonta.cosmetic.models import CosmeticAssessment
from bonta.records import services
from records.clinic import glabellar_session, make_patient, make_vial

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots")  # noqa: S108 - screenshots for a human to look at, not data


def test_a_clinician_records_a_baseline_and_the_2_week_review(page: Page, clinician: User):
    patient = make_patient(clinician, "C-100", given_name="Cora", family_name="Cole")
    today = timezone.localdate()
    session_at = timezone.now() - timedelta(days=15)
    sign_in(page, "dr_grey")

    page.goto(f"/patients/{patient.pk}/")
    panel = page.locator("#cosmetic-panel")
    expect(panel).to_contain_text("No cosmetic assessments or sessions recorded.")
    panel.get_by_role("link", name="Record baseline").click()
    page.select_option("#id_area", "glabellar_lines")
    page.fill("#id_assessed_on", (today - timedelta(days=15)).isoformat())
    page.select_option("#id_grade_at_rest", "1")
    page.select_option("#id_grade_at_max", "3")
    page.fill("#id_goals", "Soften frown lines")
    page.select_option("#id_prior-0-product", "dysport")
    page.fill("#id_prior-0-note", "two years ago, another clinic")
    page.click("button:has-text('Record baseline')")
    expect(page.locator(".msg-success")).to_contain_text("Baseline recorded for glabellar lines")

    vial = make_vial(clinician, lot="B-COS", reconstituted_at=session_at - timedelta(hours=1))
    services.sign_encounter(glabellar_session(patient, clinician, vial, at=session_at), clinician)

    page.goto(f"/patients/{patient.pk}/")
    panel = page.locator("#cosmetic-panel")
    expect(panel).to_contain_text("not reported yet")
    panel.get_by_role("link", name="2-week review").last.click()
    page.fill("#id_assessed_on", (today - timedelta(days=1)).isoformat())
    page.select_option("#id_grade_at_rest", "0")
    page.select_option("#id_grade_at_max", "1")
    page.click("button:has-text('Record 2-week review')")
    expect(page.locator(".msg-success")).to_contain_text("2-week review recorded")

    panel = page.locator("#cosmetic-panel")
    expect(panel).to_contain_text("+1 / +2")
    expect(panel.locator(".touch-up")).to_contain_text("basis: population figure")
    review = CosmeticAssessment.objects.get(kind="review_2w")
    assert review.encounter is not None
    assert page.console_errors == []  # type: ignore[attr-defined]
    screenshot(page, "cosmetic-review")
    SHOTS.mkdir(exist_ok=True)
    panel.screenshot(path=str(SHOTS / "cosmetic-panel.png"))
    page.screenshot(path=str(SHOTS / "cosmetic-chart.png"), full_page=True)


def test_a_review_with_a_bad_grade_shows_the_error_and_saves_nothing(page: Page, clinician: User):
    patient = make_patient(clinician, "C-101", given_name="Dan", family_name="Dale")
    session_at = timezone.now() - timedelta(days=15)
    vial = make_vial(clinician, lot="B-COS2", reconstituted_at=session_at - timedelta(hours=1))
    services.sign_encounter(glabellar_session(patient, clinician, vial, at=session_at), clinician)
    sign_in(page, "dr_grey")
    page.goto(f"/cosmetic/patients/{patient.pk}/review/")
    page.select_option("#id_session_area", index=1)
    page.fill("#id_assessed_on", (session_at - timedelta(days=2)).date().isoformat())
    page.select_option("#id_grade_at_rest", "0")
    page.select_option("#id_grade_at_max", "1")
    page.click("button:has-text('Record 2-week review')")
    expect(page.locator(".has-error")).to_contain_text("must be after the session")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "cosmetic-review-error.png"), full_page=True)
    assert not CosmeticAssessment.objects.exists()
