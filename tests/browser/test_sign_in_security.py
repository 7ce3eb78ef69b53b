"""Sign-in with MFA in Chromium: a clinician sets up an authenticator from the QR page, keeps
the recovery codes, signs in again with a code; too many wrong passwords show the paused page."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from bonta.accounts import mfa
from bonta.accounts.models import TotpDevice, User

from .conftest import PASSWORD, screenshot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("mfa_required")]


def code_for(user: User, ahead: int = 0) -> str:
    secret = mfa.secret_of(TotpDevice.objects.get(user=user))
    return pyotp.TOTP(secret).at(time.time() + ahead)


def test_a_clinician_enrols_then_signs_in_with_a_code(page: Page, clinician: User) -> None:
    sign_in(page, "dr_grey")
    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    expect(page.locator(".mfa-qr svg")).to_be_visible()
    screenshot(page, "mfa-enrol")
    page.fill("#id_code", code_for(clinician))
    page.click("button:has-text('Turn on')")
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.click("text=I have kept them: continue")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.click("button:has-text('Sign out')")

    sign_in(page, "dr_grey")
    expect(page.get_by_role("heading", name="Sign-in code")).to_be_visible()
    page.fill("#id_code", code_for(clinician, ahead=30))
    page.click("button:has-text('Continue')")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_too_many_wrong_passwords_pause_the_sign_in(page: Page, receptionist: User) -> None:
    for _ in range(5):
        page.goto("/login/")
        page.fill("#id_username", "rita")
        page.fill("#id_password", "not-" + PASSWORD)
        page.click("button:has-text('Sign in')")
    sign_in(page, "rita")
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    expect(page.get_by_text("Try again in 15 minutes")).to_be_visible()
    screenshot(page, "sign-in-paused")
