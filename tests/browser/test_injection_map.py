"""The injection map at the chair: touch on a tablet, keyboard alone, the block in view."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bonta.accounts.models import User
from bonta.records import services
from bonta.records.models import Encounter
from records.clinic import make_patient, make_vial

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tablet(browser: object, live_server: object) -> Iterator[Page]:
    """An 820 × 1180 portrait tablet with a touch screen."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 820, "height": 1180},
        has_touch=True,
        base_url=live_server.url,  # type: ignore[attr-defined]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def draft(
    by: User, *, protocol: str | None = None, days_since_last: int | None = None
) -> Encounter:
    """A cosmetic draft with a reconstituted BOTOX Cosmetic vial; optionally a glabellar session
    `days_since_last` days ago (so that the plan is blocked for re-treatment)."""
    patient = make_patient(by)
    now = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
    vial = make_vial(by, reconstituted_at=now - timedelta(minutes=30), lot="MAP-1")
    if days_since_last is not None:
        before = now - timedelta(days=days_since_last)
        old = make_vial(by, reconstituted_at=before - timedelta(minutes=30), lot="MAP-0")
        past = services.open_encounter(
            patient,
            by=by,
            pathway="cosmetic",
            product="botox_cosmetic",
            at=before,
            protocol="glabellar_lines",
            vial=old.pk,
        )
        services.sign_encounter(past, by)
    return services.open_encounter(
        patient,
        by=by,
        pathway="cosmetic",
        product="botox_cosmetic",
        at=now,
        protocol=protocol,
        vial=vial.pk,
    )


def hit_sizes(page: Page, view: str) -> list[tuple[float, float]]:
    return page.locator(f"#map-{view} .pt .hit").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"
    )


def test_on_a_tablet_every_point_is_a_44_px_target_and_a_tap_adds_selects_and_edits(
    tablet: Page, clinician: User
) -> None:
    encounter = draft(clinician)
    sign_in(tablet, "dr_grey")
    tablet.goto(f"/encounters/{encounter.pk}/")
    for view in ("front_upper", "front_lower", "side_right", "side_left", "back"):
        tablet.tap(f"#map-tab-{view}")
        expect(tablet.locator(f"#map-{view}")).to_be_visible()
        sizes = hit_sizes(tablet, view)
        assert sizes, view
        assert min(min(w, h) for w, h in sizes) >= 44, (view, min(sizes))
    assert tablet.evaluate("document.scrollingElement.scrollWidth") <= 820
    tablet.tap("#map-tab-front_upper")
    expect(tablet.locator("#map-back")).to_be_hidden()
    tablet.tap("#pt-procerus_mid")  # a tap adds the point ...
    expect(tablet.locator(".points tbody tr")).to_have_count(1)
    editor = tablet.locator("[data-map-editor]")  # ... and selects it for the editor
    expect(editor).to_be_visible()
    expect(editor).to_contain_text("Procerus, midline")
    units = tablet.locator("[data-map-editor-units]")
    tablet.tap("[data-map-editor] [data-step='1']")
    expect(tablet.locator(".totals")).to_contain_text("5 U BOTOX Cosmetic")
    expect(units).to_have_value("5")
    tablet.tap("#pt-corrugator_medial_r")
    expect(tablet.locator(".points tbody tr")).to_have_count(2)
    expect(editor).to_contain_text("Corrugator supercilii medial, right")
    tablet.tap("#pt-procerus_mid")  # a tap on a planned point selects it again
    expect(editor).to_contain_text("Procerus, midline")
    expect(units).to_have_value("5")
    tablet.tap("[data-map-editor-remove]")
    expect(tablet.locator(".points tbody tr")).to_have_count(1)
    expect(editor).to_be_hidden()
    screenshot(tablet, "map-tablet-820")
    assert tablet.console_errors == []  # type: ignore[attr-defined]


def test_the_map_works_from_the_keyboard_alone(page: Page, clinician: User) -> None:
    encounter = draft(clinician)
    sign_in(page, "dr_grey")
    page.goto(f"/encounters/{encounter.pk}/")
    page.focus("#map-tab-front_upper")
    page.keyboard.press("ArrowRight")  # the tabs move with the arrow keys
    expect(page.locator("#map-tab-front_lower")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#map-tab-front_lower")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#map-front_upper")).to_be_visible()
    page.keyboard.press("Tab")  # into the view: its first point
    focused = page.evaluate("document.activeElement.getAttribute('data-toggle')")
    assert focused
    page.keyboard.press("Enter")  # adds it, and the editor takes the focus
    expect(page.locator(".points tbody tr")).to_have_count(1)
    expect(page.locator("[data-map-editor-units]")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    expect(page.locator(".totals")).to_contain_text("3 U BOTOX Cosmetic")
    expect(page.locator("[data-map-editor-units]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("[data-map-editor]")).to_be_hidden()
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_in_portrait_a_block_stays_in_view_while_the_plan_is_scrolled(
    tablet: Page, clinician: User
) -> None:
    encounter = draft(clinician, protocol="glabellar_lines", days_since_last=30)
    sign_in(tablet, "dr_grey")
    tablet.goto(f"/encounters/{encounter.pk}/")
    summary = tablet.locator("#findings-summary")
    expect(summary).to_contain_text("block")
    expect(summary).to_contain_text("retreatment_too_soon")
    tablet.locator(".points tbody tr").last.scroll_into_view_if_needed()
    tablet.locator(".totals").scroll_into_view_if_needed()
    box = summary.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= 1180
    tablet.tap("#findings-summary summary")  # it opens to list every finding
    expect(tablet.locator("#findings-summary .fs-list")).to_contain_text("retreatment_too_soon")
    screenshot(tablet, "map-portrait-block-in-view")
