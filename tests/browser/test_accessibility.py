"""Every main page passes axe-core (WCAG 2.0/2.1 A and AA plus best practice) with no serious or
critical violation, at desktop (1280×800) and tablet (820×1180) sizes, and the portal on a phone
(390×844) too. The full reports go to test-output/axe/; see tests/browser/axe.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bonta.accounts.models import Role, User
from bonta.consent import services as consent
from bonta.demo.clinic import (
    DEMO_PASSWORD,
    SHOWCASE_RECORD_NUMBER,
    ensure_demo_portal_account,
    generate,
)
from bonta.records import services
from bonta.records.models import Encounter, Patient
from records.clinic import glabellar_session, make_patient, make_vial, preempt_session

from .axe import assert_accessible, audit_context
from .conftest import PASSWORD, staff_user

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "tablet": TABLET, "phone": PHONE}
STAFF_SIZES = ["desktop", "tablet"]
PORTAL_SIZES = ["desktop", "tablet", "phone"]


@pytest.fixture
def open_page(browser: object, live_server: Any) -> Iterator[Any]:
    """`open_page(size)`: a fresh page at that size, in a context where axe can be injected."""
    with ExitStack() as stack:

        def make(size: str) -> Page:
            options: dict[str, Any] = {"viewport": SIZES[size]}
            if size == "phone":
                options.update(device_scale_factor=2, is_mobile=True, has_touch=True)
            return stack.enter_context(audit_context(browser, live_server.url, **options))

        yield make


@pytest.fixture
def clinician(transactional_db: None) -> User:
    return staff_user("dr_grey", Role.CLINICIAN)


@pytest.fixture
def showcase(clinician: User) -> Patient:
    """The demo clinic's showcase patient: years on both pathways, a diary, a portal login."""
    consent.install_shipped_documents()
    generate(2, seed=7, years=3)
    assert ensure_demo_portal_account() == "patient"
    return Patient.objects.get(record_number=SHOWCASE_RECORD_NUMBER)


def sign_in(page: Page, username: str = "dr_grey", password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button:has-text('Sign in')")
    expect(page.locator(".who")).to_contain_text(username)


def portal_sign_in(page: Page) -> None:
    page.goto("/portal/login/")
    page.fill("#id_username", "patient")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.locator("main h1")).to_be_visible()


def blocked_draft(patient: Patient, by: User) -> Encounter:
    """A cosmetic glabellar draft six weeks after PREEMPT: planned, with a blocking finding."""
    now = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10)
    past = now - timedelta(weeks=6)
    cm_vial = make_vial(
        by,
        product="botox",
        size_units="200",
        diluent_ml="4",
        lot="CM-PAST",
        reconstituted_at=past - timedelta(hours=1),
    )
    services.sign_encounter(preempt_session(patient, by, cm_vial, at=past), by)
    vial = make_vial(by, lot="GL-NOW", reconstituted_at=now - timedelta(minutes=30))
    return glabellar_session(patient, by, vial, at=now)


@pytest.mark.parametrize("size", STAFF_SIZES)
def test_staff_sign_in(open_page: Any, clinician: User, size: str) -> None:
    page = open_page(size)
    page.goto("/login/")
    assert_accessible(page, f"staff-sign-in-{size}")
    page.click("button:has-text('Sign in')")  # empty: the errors are part of the page too
    expect(page.locator(".error").first).to_be_visible()
    assert_accessible(page, f"staff-sign-in-errors-{size}")


@pytest.mark.parametrize("size", STAFF_SIZES)
def test_patient_list_with_a_search(open_page: Any, clinician: User, size: str) -> None:
    make_patient(clinician, "A-001", consents=())
    make_patient(clinician, "A-002", given_name="Ann", consents=())
    page = open_page(size)
    sign_in(page)
    page.goto("/patients/?q=Archer")
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    assert_accessible(page, f"patient-list-{size}")


@pytest.mark.parametrize("size", STAFF_SIZES)
def test_new_patient_form_with_its_errors(open_page: Any, clinician: User, size: str) -> None:
    page = open_page(size)
    sign_in(page)
    page.goto("/patients/new/")
    assert_accessible(page, f"patient-new-{size}")
    page.click("button:has-text('Register patient')")  # empty: an error beside each field
    expect(page.locator("#id_given_name-error")).to_be_visible()
    assert_accessible(page, f"patient-new-errors-{size}")


@pytest.mark.parametrize("size", STAFF_SIZES)
def test_recording_a_treatment_given_elsewhere(open_page: Any, clinician: User, size: str) -> None:
    patient = make_patient(clinician, "A-001", consents=())
    page = open_page(size)
    sign_in(page)
    page.goto(f"/patients/{patient.pk}/")
    page.click("a:has-text('Record treatment given elsewhere')")
    expect(page.locator("h2")).to_contain_text("Record a treatment given elsewhere")
    assert_accessible(page, f"given-elsewhere-{size}")
    page.click("button:has-text('Record treatment')")  # empty: an error beside each field
    expect(page.locator("#id_on-error")).to_be_visible()
    assert_accessible(page, f"given-elsewhere-errors-{size}")
    page.screenshot(path=f"test-output/given-elsewhere-errors-{size}.png", full_page=True)
    page.fill("#id_on", (timezone.localdate() - timedelta(days=40)).isoformat())
    page.select_option("#id_product", "botox_cosmetic")
    page.fill("#id_units", "20")
    page.check("input[name=given_for][value=cosmetic]")
    page.select_option("#id_area", "glabellar_lines")
    page.fill("#id_source_system", "Riverside Aesthetics")
    page.click("button:has-text('Record treatment')")
    expect(page.locator("#ext-h")).to_contain_text("Given elsewhere")
    expect(page.locator("section[aria-labelledby=ext-h]")).to_contain_text("Riverside Aesthetics")
    page.screenshot(path=f"test-output/given-elsewhere-chart-{size}.png", full_page=True)


@pytest.mark.parametrize("size", STAFF_SIZES)
def test_patient_chart_with_both_pathways(open_page: Any, showcase: Patient, size: str) -> None:
    page = open_page(size)
    sign_in(page)
    page.goto(f"/patients/{showcase.pk}/")
    expect(page.locator(".timeline")).to_contain_text("Chronic migraine")
    expect(page.locator(".timeline")).to_contain_text("Cosmetic")
    assert_accessible(page, f"patient-chart-{size}")


def open_blocked_draft(open_page: Any, clinician: User, size: str) -> Page:
    draft = blocked_draft(make_patient(clinician), clinician)
    page = open_page(size)
    sign_in(page)
    page.goto(f"/encounters/{draft.pk}/")
    expect(page.locator(".findings-block")).to_contain_text("retreatment_too_soon")
    expect(page.locator(".points tbody tr")).to_have_count(5)
    return page


@pytest.mark.parametrize("size", STAFF_SIZES)
def test_encounter_workspace_with_a_blocking_finding(
    open_page: Any, clinician: User, size: str
) -> None:
    """Everything in the workspace but the SVG map, audited on its own below."""
    page = open_blocked_draft(open_page, clinician, size)
    assert_accessible(page, f"encounter-workspace-{size}", exclude=(".map",))


@pytest.mark.parametrize("size", STAFF_SIZES)
def test_encounter_workspace_injection_map(open_page: Any, clinician: User, size: str) -> None:
    """The map on its own: a planned point's name carries its visible units ("…, 4 U")."""
    page = open_blocked_draft(open_page, clinician, size)
    assert_accessible(page, f"encounter-workspace-map-{size}")


@pytest.mark.parametrize("size", STAFF_SIZES)
def test_diary_page(open_page: Any, showcase: Patient, size: str) -> None:
    page = open_page(size)
    sign_in(page)
    page.goto(f"/patients/{showcase.pk}/diary/")
    expect(page.locator(".headache-plot").first).to_be_visible()
    assert_accessible(page, f"diary-{size}")


@pytest.mark.parametrize("size", STAFF_SIZES)
def test_appointments_calendar(open_page: Any, showcase: Patient, size: str) -> None:
    page = open_page(size)
    sign_in(page)
    page.goto("/appointments/?view=week&clinician=all")
    assert_accessible(page, f"appointments-week-{size}")
    page.goto("/appointments/?view=day&clinician=all")
    assert_accessible(page, f"appointments-day-{size}")


@pytest.mark.parametrize("size", STAFF_SIZES)
def test_guide_pages(open_page: Any, transactional_db: None, size: str) -> None:
    page = open_page(size)
    for slug in ("", "cosmetic/", "urgent/"):
        page.goto(f"/guide/{slug}")
        assert_accessible(page, f"guide-{slug.strip('/') or 'index'}-{size}")


def test_consent_signing_page_on_a_tablet(open_page: Any, clinician: User) -> None:
    patient = make_patient(clinician, "T-001", consents=())
    consent.install_shipped_documents()
    page = open_page("tablet")
    sign_in(page)
    page.goto(f"/consent/patients/{patient.pk}/sign/cosmetic/")
    expect(page.locator("#signature-canvas")).to_be_visible()
    assert_accessible(page, "consent-sign-tablet")
    page.fill("#id_typed_name", "Alice Archer")
    page.click("button:has-text('I agree and sign')")  # no signature: the error state
    expect(page.locator("#signature-error")).to_contain_text("is required")
    assert_accessible(page, "consent-sign-error-tablet")


@pytest.mark.parametrize("size", PORTAL_SIZES)
def test_portal_sign_in(open_page: Any, transactional_db: None, size: str) -> None:
    page = open_page(size)
    page.goto("/portal/login/")
    assert_accessible(page, f"portal-sign-in-{size}")


@pytest.mark.parametrize("size", PORTAL_SIZES)
def test_portal_home_and_diary(open_page: Any, showcase: Patient, size: str) -> None:
    page = open_page(size)
    portal_sign_in(page)
    assert_accessible(page, f"portal-home-{size}")
    page.goto("/portal/diary/")
    expect(page.locator("#no-headache")).to_be_visible()
    assert_accessible(page, f"portal-diary-{size}")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    page.goto(f"/portal/diary/?on={yesterday}")
    assert_accessible(page, f"portal-diary-day-{size}")
