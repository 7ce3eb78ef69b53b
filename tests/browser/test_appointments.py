"""Appointments end to end in Chromium: book from the chart, see it in the week, move, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bonta.accounts.models import User
from bonta.appointments.models import Appointment
from records.clinic import make_patient

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_reception_and_clinician_book_move_and_cancel_a_visit(page: Page, clinician: User) -> None:
    alice = make_patient(clinician)
    tomorrow = timezone.localdate() + timedelta(days=1)
    week = f"/appointments/?view=week&date={tomorrow.isoformat()}&clinician=all"
    sign_in(page, "dr_grey")

    # Book from the chart's Appointments panel.
    page.goto(f"/patients/{alice.pk}/")
    page.locator("#appointments-panel").get_by_role("link", name="Book appointment").click()
    expect(page.locator("#booking h2")).to_have_text("Book an appointment")
    page.select_option("#id_clinician", label="dr_grey")
    page.check("input[name=pathway][value=cosmetic]")
    page.select_option("#id_kind", "touch_up")
    page.fill("#id_date", tomorrow.isoformat())
    page.fill("#id_time", "10:00")
    page.click("button:has-text('Book appointment')")
    expect(page).to_have_url(f"/patients/{alice.pk}/")
    expect(page.locator(".msg-success")).to_contain_text("Booked: touch-up for A-001")
    expect(page.locator("#appointments-panel")).to_contain_text("Touch-up")

    # See it in the week view, open it in the side panel (htmx) and move it.
    page.goto(week)
    block = page.locator("a.appt", has_text="Archer, Alice")
    expect(block).to_contain_text("10:00")
    block.click()
    detail = page.locator("#appt-side #appt-detail")
    expect(detail).to_contain_text("Touch-up")
    detail.locator("summary:has-text('Move')").click()
    detail.locator("#move-time").fill("11:30")
    detail.locator("#move-reason_code").select_option("patient_request")
    detail.locator("button:has-text('Move appointment')").click()
    expect(page.locator(".msg-success")).to_contain_text("Moved:")
    assert page.url.endswith(week)
    expect(page.locator("a.appt", has_text="Archer, Alice")).to_contain_text("11:30")

    # A move into the past is refused with the service's message; nothing changes.
    page.locator("a.appt", has_text="Archer, Alice").click()
    detail = page.locator("#appt-side #appt-detail")
    detail.locator("summary:has-text('Move')").click()
    yesterday = (tomorrow - timedelta(days=2)).isoformat()
    detail.locator("#move-date").fill(yesterday)
    detail.locator("button:has-text('Move appointment')").click()
    expect(page.locator("#appt-detail .error").first).to_contain_text("is in the past")
    assert Appointment.objects.get().status == "moved"

    # Cancel it with a reason code: it leaves the grid and is listed as cancelled.
    page.goto(week)
    page.locator("a.appt", has_text="Archer, Alice").click()
    detail = page.locator("#appt-side #appt-detail")
    detail.locator("summary:has-text('Cancel')").click()
    detail.locator("#cancel-reason_code").select_option("patient_unwell")
    detail.locator("button:has-text('Cancel appointment')").click()
    expect(page.locator(".msg-success")).to_contain_text("cancelled")
    expect(page.locator("a.appt")).to_have_count(0)
    expect(page.locator(".cal-cancelled summary")).to_have_text("1 cancelled")
    assert Appointment.objects.get().status == "cancelled"
    # The refused move answered 422, which Chromium logs; nothing else may be logged (e.g. CSP).
    errors = [e for e in page.console_errors if "status of 422" not in e]  # type: ignore[attr-defined]
    assert errors == []
    screenshot(page, "appointments-week")


def test_the_day_view_steps_with_htmx_and_keeps_the_address(page: Page, clinician: User) -> None:
    sign_in(page, "dr_grey")
    page.goto("/appointments/")
    today = timezone.localdate()
    expect(page.locator(".cal-title")).to_have_text(today.strftime("%A %-d %B %Y"))
    page.click("a[rel=next]")
    tomorrow = today + timedelta(days=1)
    expect(page.locator(".cal-title")).to_have_text(tomorrow.strftime("%A %-d %B %Y"))
    expect(page).to_have_url(f"/appointments/?view=day&date={tomorrow.isoformat()}&clinician=all")
    page.click("text=Week")
    expect(page.locator(".cal-colhead")).to_have_count(7)
    assert page.console_errors == []  # type: ignore[attr-defined]
    screenshot(page, "appointments-day")
