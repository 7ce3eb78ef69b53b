"""Consent on a tablet, end to end in Chromium: a drawn signature unlocks sign-off."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bonta.accounts.models import User
from bonta.consent import services as consent
from bonta.records.models import Encounter
from records.clinic import glabellar_session, make_patient, make_vial

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path("/tmp/shots")  # noqa: S108 - screenshots to look at, not a secret


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"consent-{name}.png"), full_page=False)


def draw_signature(page: Page) -> None:
    """Sign with the mouse: press, a zig-zag of moves, release (pointer events on the canvas)."""
    canvas = page.locator("#signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for i, (fx, fy) in enumerate([(0.2, 0.3), (0.3, 0.7), (0.4, 0.3), (0.5, 0.7), (0.7, 0.4)]):
        page.mouse.move(x + w * fx, y + h * fy, steps=6 + i)
    page.mouse.up()


def test_a_patient_signs_on_the_tablet_and_sign_off_becomes_possible(
    page: Page, clinician: User
) -> None:
    consent.install_shipped_documents()  # the transactional test database was flushed
    now = timezone.now()
    patient = make_patient(clinician, "T-001", given_name="Tara", family_name="Quinn", consents=())
    vial = make_vial(clinician, lot="C-TAB", reconstituted_at=now - timedelta(minutes=10))
    draft = glabellar_session(patient, clinician, vial, at=now)
    sign_in(page, "dr_grey")

    page.goto(f"/encounters/{draft.pk}/")
    block = page.locator("[data-consent-missing]")
    expect(block).to_contain_text("the patient must sign consent version 1 before sign-off")
    expect(page.locator(".sign-button")).to_be_disabled()
    page.click("text=Sign consent on tablet")

    expect(page.locator(".consent-text h2")).to_have_text(
        "Consent to cosmetic treatment with botulinum toxin type A"
    )
    shot(page, "tablet-page")
    page.fill("#id_typed_name", "Tara Quinn")
    page.click("button:has-text('I agree and sign')")  # no signature drawn yet
    expect(page.locator("#signature-error")).to_contain_text("is required")
    assert not consent.history(patient)

    expect(page.locator("#id_typed_name")).to_have_value("Tara Quinn")
    draw_signature(page)
    expect(page.locator("[data-signature-pad]")).to_have_class("signature-pad signed")
    shot(page, "signed-pad")
    page.click("button:has-text('I agree and sign')")

    expect(page.locator(".msg-success")).to_contain_text("consent version 1 signed")
    expect(page).to_have_url(re.compile(rf"/encounters/{draft.pk}/(#.*)?$"))  # back via ?next=
    expect(page.locator("[data-consent-missing]")).to_have_count(0)
    expect(page.locator("#sign-button")).to_be_enabled()
    signed = consent.current_consent(patient, "cosmetic")
    assert signed is not None
    assert signed.witnessed_by == clinician
    assert len(bytes(signed.signature_png)) > 500

    page.click("#sign-button")
    expect(page.locator(".msg-success")).to_contain_text("Encounter signed")
    assert Encounter.objects.get(pk=draft.pk).is_signed

    page.goto(f"/patients/{patient.pk}/")
    panel = page.locator(".consent-panel")
    expect(panel.locator(".consent-cosmetic")).to_contain_text("Signed version 1")
    expect(panel.locator(".consent-chronic_migraine")).to_contain_text("Not signed")
    screenshot(page, "consent-chart-panel")
    errors = page.console_errors  # type: ignore[attr-defined]
    assert [e for e in errors if "status of 422" not in e] == []  # 422: the refused form


def test_clear_empties_the_pad(page: Page, clinician: User) -> None:
    consent.install_shipped_documents()
    patient = make_patient(clinician, "T-002", consents=())
    sign_in(page, "dr_grey")
    page.goto(f"/consent/patients/{patient.pk}/sign/photography/")
    draw_signature(page)
    assert page.locator("[data-signature-value]").input_value().startswith("data:image/png")
    page.click("button:has-text('Clear')")
    assert page.locator("[data-signature-value]").input_value() == ""
    page.fill("#id_typed_name", "Alice Archer")
    page.click("button:has-text('I agree and sign')")
    expect(page.locator("#signature-error")).to_contain_text("is required")
    shot(page, "error")
    assert consent.current_consent(patient, "photography") is None
