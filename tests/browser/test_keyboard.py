"""Keyboard only, from sign-in to sign-off: Tab, Shift+Tab, Enter, Space, arrows and typing,
never the mouse. Each element that takes focus on the way must show it (the `:focus-visible`
ring, or a style of its own), and no page traps the focus: Tab goes round every page and comes
back to where it started.

The journey plans with the protocol template, never the injection map's SVG, whose keyboard
semantics are not this test's business (the map is being redesigned)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bonta.accounts.models import Role, User
from bonta.migraine.models import DiaryEntry
from bonta.migraine.services import local_today
from bonta.portal.models import PortalAccount
from bonta.records.models import Course, Encounter
from records.clinic import make_patient, make_vial

from .conftest import PASSWORD, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

MAX_TABS = 400  # more stops than any page has; reaching it means the focus is stuck

# What the focused element looks like: a focus ring on it, or (an element drawing its own focus
# style, like an SVG point) a style on it or inside it that differs from when it is not focused.
# A date or time input's last Tab stop is Chromium's own calendar button inside the input: the
# input then does not match :focus-visible and the browser rings the button itself (looked at
# in a screenshot; page CSS cannot reach it), so that stop counts as shown ("picker").
FOCUS_STATE = r"""() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const look = (node) => {
    const cs = getComputedStyle(node);
    return [cs.outlineStyle, cs.outlineWidth, cs.outlineColor, cs.boxShadow, cs.backgroundColor,
            cs.color, cs.borderColor, cs.fill, cs.stroke, cs.strokeWidth].join("|");
  };
  const rgb = (text) => {
    const m = /rgba?\(([^)]+)\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(",").map(parseFloat);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  let behind = {r: 255, g: 255, b: 255, a: 1};  // what the ring is drawn on
  for (let n = el.parentElement; n; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c && c.a === 1) { behind = c; break; }
  }
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0;
  const svg = el instanceof SVGElement;  // box-shadow is not drawn on SVG elements
  const shadow = !svg && cs.boxShadow !== "none";
  const ring = outline || shadow;
  const colours = [outline ? rgb(cs.outlineColor) : null, shadow ? rgb(cs.boxShadow) : null]
    .filter((c) => c && c.a === 1);
  const ringContrast = Math.max(0, ...colours.map((c) => ratio(c, behind)));
  const control = el.matches("input, select, textarea, button");
  const picker = el.matches("input[type=date], input[type=datetime-local], input[type=time]")
                 && !el.matches(":focus-visible");
  let own = false;
  if (!ring && !control) {
    const nodes = [el, ...el.querySelectorAll("*")];
    const focused = nodes.map(look);
    el.blur();
    const blurred = nodes.map(look);
    el.focus();
    own = focused.some((v, i) => v !== blurred[i]);
  }
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
    focusVisible: el.matches(":focus-visible") || picker,
    ring, own, picker, ringContrast: Math.round(ringContrast * 100) / 100,
    onScreen: box.width > 0 && box.height > 0,
    key: el.id || el.outerHTML.slice(0, 160),
  };
}"""

MATCHES = """([css, text]) => {
  const el = document.activeElement;
  if (!el || !el.matches(css)) return false;
  return !text || (el.innerText || el.value || "").includes(text);
}"""


def focused(page: Page) -> dict[str, Any] | None:
    return page.evaluate(FOCUS_STATE)  # type: ignore[no-any-return]


def assert_focus_shows(page: Page) -> dict[str, Any]:
    state = focused(page)
    assert state is not None, "the focus went to the page itself"
    where = f"{page.url}: <{state['tag']} id={state['id']!r}> {state['text']!r}"
    assert state["focusVisible"], f"{where} has the focus but does not match :focus-visible"
    assert state["ring"] or state["own"] or state["picker"], f"{where} shows no focus style"
    if state["ring"]:  # WCAG 2.1 1.4.11: 3:1 for the indicator against what is behind it
        assert state["ringContrast"] >= 3, f"{where}: focus ring {state['ringContrast']}:1"
    assert state["onScreen"], f"{where} has the focus but takes no room on the screen"
    return state


def tab_to(page: Page, css: str, text: str = "") -> None:
    """Tab forward until the focus is on an element matching `css` (containing `text`),
    checking that each stop on the way shows its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if focused(page) is None:
            continue  # past the last element, the browser's own UI had it for one press
        assert_focus_shows(page)
        if page.evaluate(MATCHES, [css, text]):
            return
    pytest.fail(f"{css} {text!r} never took the focus in {MAX_TABS} presses of Tab on {page.url}")


def assert_no_trap(page: Page) -> int:
    """Tab goes round the whole page back to the element it started on, and Shift+Tab goes
    back one stop; how many stops the page has."""
    page.keyboard.press("Tab")
    start = assert_focus_shows(page)["key"]
    stops = 1
    for _ in range(MAX_TABS):
        previous = focused(page)
        page.keyboard.press("Tab")
        state = focused(page)
        if state is None:
            continue
        assert_focus_shows(page)
        if state["key"] == start:
            return stops
        if previous is None:
            continue
        page.keyboard.press("Shift+Tab")
        back = focused(page)
        assert back is not None, f"Shift+Tab from {state['key']!r} left the page"
        assert back["key"] == previous["key"], (
            f"Shift+Tab from {state['key']!r} went to {back['key']!r}, "
            f"not back to {previous['key']!r} on {page.url}"
        )
        page.keyboard.press("Tab")
        stops += 1
    pytest.fail(f"the focus did not come round again in {MAX_TABS} presses on {page.url}")


def follow(page: Page, key: str = "Enter") -> None:
    """Press `key` on the focused link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def settled(page: Page) -> None:
    """Wait for the workspace's live check (an htmx request on each change) to come back."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def choose(page: Page, value: str) -> None:
    """Pick `value` in the focused <select> with the arrow keys (each step is a change, which
    in the workspace sends the plan to the live check: one at a time)."""
    select = page.locator(":focus")
    for key in ("Home", *["ArrowDown"] * 40):
        if select.input_value() == value:
            return
        page.keyboard.press(key)
        settled(page)
    assert select.input_value() == value, f"{value} not reachable with the arrow keys"


def test_search_to_sign_off_with_the_keyboard_only(page: Page, clinician: User) -> None:
    patient = make_patient(clinician, "K-001", given_name="Kim", family_name="Keyes")
    make_patient(clinician, "K-002", given_name="Lee", family_name="Lane")
    make_vial(clinician, lot="KB-100", reconstituted_at=timezone.now() - timedelta(minutes=30))

    # Sign in: the username field has the focus when the page opens.
    page.goto("/login/")
    assert_focus_shows(page)
    css_has_focus_visible = page.evaluate(
        """() => [...document.styleSheets].some((sheet) => [...sheet.cssRules].some(
             (rule) => (rule.selectorText || "").includes(":focus-visible")
                       && /solid|dashed|dotted|double/.test(rule.style.outline)))"""
    )
    assert css_has_focus_visible, "no :focus-visible rule with an outline in the stylesheet"
    page.keyboard.type("dr_grey")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    follow(page)
    expect(page.locator("h1")).to_have_text("Patients")

    # The patient list: round the page once, then search.
    assert_no_trap(page)
    tab_to(page, "#q")
    page.keyboard.type("Keyes")
    follow(page)
    expect(page.locator("table.list tbody tr")).to_have_count(1)

    # Open the chart from the result.
    tab_to(page, "td.name a", "Keyes, Kim")
    follow(page)
    expect(page.locator(".patient-header h1")).to_have_text("Keyes, Kim")
    assert_no_trap(page)

    # A new cosmetic encounter: the pathway, then the product with the arrow keys.
    tab_to(page, "a", "New encounter")
    follow(page)
    tab_to(page, ".choice-cosmetic")
    follow(page)
    tab_to(page, "#id_product")
    choose(page, "botox_cosmetic")
    tab_to(page, "button", "Open encounter")
    follow(page)
    expect(page.locator(".encounter-head")).to_be_visible()
    encounter = Encounter.objects.get(patient=patient)
    assert not encounter.is_signed

    # The workspace: the reconstituted vial, the glabellar template, applied with Space.
    assert_no_trap(page)
    tab_to(page, "#vial")
    vial_option = page.locator("#vial option", has_text="KB-100").get_attribute("value")
    assert vial_option
    choose(page, vial_option)
    tab_to(page, "#protocol")
    choose(page, "glabellar_lines")
    tab_to(page, "#apply-protocol")
    page.keyboard.press("Space")
    settled(page)
    expect(page.locator(".points tbody tr")).to_have_count(5)
    expect(page.locator("#check-panel")).to_contain_text("No findings for this plan.")

    # Sign off with Enter.
    tab_to(page, "#sign-button")
    follow(page)
    expect(page.locator(".msg-success")).to_contain_text("Encounter signed")
    encounter.refresh_from_db()
    assert encounter.is_signed
    assert encounter.administrations.count() == 5
    assert_no_trap(page)
    screenshot(page, "keyboard-signed")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_a_patient_keeps_the_diary_with_the_keyboard_only(
    page: Page, clinician: User, transactional_db: None
) -> None:
    patient = make_patient(clinician, "K-010", given_name="Pat", family_name="Poole")
    Course.objects.create(patient=patient, pathway="chronic_migraine", started_on=local_today())
    user = User.objects.create_user("pat", password=PASSWORD, role=Role.PATIENT)
    PortalAccount.objects.create(user=user, patient=patient)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/portal/login/")
    tab_to(page, "#id_username")
    page.keyboard.type("pat")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    follow(page)
    assert_no_trap(page)
    tab_to(page, "#no-headache")
    follow(page, "Space")
    expect(page.locator(".msg-success")).to_contain_text("Saved today: no headache")
    assert DiaryEntry.objects.get(patient=patient, on=local_today()).headache is False
    # Yesterday's form: round its chips (radio buttons and check boxes) and back again.
    tab_to(page, "a.chip-link", "yesterday")
    follow(page)
    expect(page.locator(".day-head")).to_contain_text("yesterday")
    assert_no_trap(page)
    assert page.console_errors == []  # type: ignore[attr-defined]
