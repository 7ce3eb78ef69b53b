"""What a new clinic sees in its first hour: pages that fit an 820 px tablet, the open draft
offered before a second one, and (BONTA_SCREENSHOTS=1) the README's screenshots."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bonta.accounts.models import User
from bonta.records.models import Encounter, Patient
from records.clinic import glabellar_session, make_patient, make_vial, preempt_session

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TABLET = {"width": 820, "height": 1180}
DESKTOP = {"width": 1280, "height": 800}
ROOT = Path(__file__).resolve().parents[2]
# The README's pictures are rewritten only when asked (BONTA_SCREENSHOTS=1); otherwise the same
# journey runs and its pictures go to test-output/, so the test never skips.
README_SHOTS = ROOT / (
    "docs/screenshots" if os.environ.get("BONTA_SCREENSHOTS") == "1" else "test-output/readme"
)
MAX_PNG_BYTES = 300_000


@pytest.fixture
def tablet(page: Page) -> Page:
    page.set_viewport_size(TABLET)
    return page


def page_width(page: Page) -> tuple[int, int]:
    return page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")


def test_a_150_character_name_does_not_widen_the_pages_at_820_px(
    tablet: Page, clinician: User
) -> None:
    long = {"given_name": "A" * 150, "family_name": "B" * 150, "birth_date": date(1980, 1, 1)}
    patient = make_patient(clinician, consents=(), **long)
    vial = make_vial(clinician, product="botox", size_units="200", diluent_ml="4")
    encounter = preempt_session(patient, clinician, vial)
    sign_in(tablet, "dr_grey")
    for url in (
        f"/patients/{patient.pk}/",
        "/patients/",
        f"/patients/{patient.pk}/encounters/new/?pathway=cosmetic",
        f"/encounters/{encounter.pk}/",
    ):
        tablet.goto(url)
        expect(tablet.locator("h1, h2").first).to_be_visible()
        scroll_width, inner_width = page_width(tablet)
        assert scroll_width <= inner_width, url


def test_a_second_open_encounter_offers_the_draft_first(tablet: Page, clinician: User) -> None:
    patient = make_patient(clinician)
    vial = make_vial(clinician, product="botox", size_units="200", diluent_ml="4")
    draft = preempt_session(patient, clinician, vial)
    sign_in(tablet, "dr_grey")
    tablet.goto(f"/patients/{patient.pk}/")
    tablet.click("text=New encounter")
    tablet.click(".choice-chronic_migraine")
    offered = tablet.locator(".draft-open a.button.primary")
    expect(offered).to_be_visible()
    expect(offered).to_contain_text("Continue the draft")
    expect(tablet.locator("button:has-text('Open encounter')")).to_have_count(0)
    box = offered.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= TABLET["height"]  # above the fold
    offered.click()
    expect(tablet).to_have_url(f"{tablet.url.split('/encounters/')[0]}/encounters/{draft.pk}/")
    assert Encounter.objects.filter(patient=patient).count() == 1


# ---- the README's screenshots --------------------------------------------------------------


def save_png(page: Page, name: str) -> Path:
    """The viewport as a PNG in docs/screenshots/, quantised to 256 colours to stay small."""
    from PIL import Image

    README_SHOTS.mkdir(parents=True, exist_ok=True)
    path = README_SHOTS / f"{name}.png"
    picture = Image.open(io.BytesIO(page.screenshot()))
    picture.convert("RGB").quantize(colors=256).save(path, optimize=True)
    assert path.stat().st_size < MAX_PNG_BYTES, path
    return path


@pytest.fixture
def demo_clinic(transactional_db: None) -> Patient:
    from bonta.demo.clinic import SHOWCASE_RECORD_NUMBER, ensure_demo_portal_account, generate

    generate(40, seed=1, years=4)
    ensure_demo_portal_account()
    return Patient.objects.get(record_number=SHOWCASE_RECORD_NUMBER)


def demo_sign_in(page: Page, username: str, portal: bool = False) -> None:
    from bonta.demo.clinic import DEMO_PASSWORD

    page.goto("/portal/login/" if portal else "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_the_readme_screenshots(page: Page, demo_clinic: Patient) -> None:
    """The README pictures (docs/screenshots/ when BONTA_SCREENSHOTS=1), 1280 and 820 px."""
    showcase = demo_clinic
    clinician = User.objects.get(username="clinician")
    now = timezone.now().replace(second=0, microsecond=0)
    vial = make_vial(
        clinician,
        product="botox_cosmetic",
        lot="C-DEMO",
        reconstituted_at=now - timedelta(minutes=20),
    )
    draft = glabellar_session(showcase, clinician, vial, now)
    demo_sign_in(page, "clinician")
    for width, size in (("1280", DESKTOP), ("820", TABLET)):
        page.set_viewport_size(size)
        page.goto(f"/patients/?q={showcase.family_name}")
        save_png(page, f"patients-{width}")
        page.goto(f"/patients/{showcase.pk}/")
        save_png(page, f"chart-{width}")
        page.goto(f"/encounters/{draft.pk}/")
        expect(page.locator("#check-panel")).to_be_visible()
        save_png(page, f"encounter-{width}")
    page.context.clear_cookies()
    demo_sign_in(page, "patient", portal=True)
    for width, size in (("1280", DESKTOP), ("820", TABLET)):
        page.set_viewport_size(size)
        page.goto("/portal/")
        save_png(page, f"portal-{width}")
        page.goto("/portal/diary/")
        save_png(page, f"portal-diary-{width}")
