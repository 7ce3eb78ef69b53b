"""Clinical photos in Chromium: a clinician files a before and an after photo from the chart,
then opens the side-by-side comparison. The images are drawn cartoon faces, never real ones."""

from __future__ import annotations

import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from bonta.accounts.models import User
from bonta.photos.models import Photo
from photos.images import jpeg_with_gps, png_photo
from records.clinic import give_consents, glabellar_session, make_patient, make_vial

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots")  # noqa: S108 - where the review screenshots are looked at


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path  # the live server runs in this process: same settings
    return tmp_path


def photos_one_at_a_time(page: Page) -> None:
    """Fetch photo files one after another, outside Chromium's parallel loading.

    The test's live server shares one in-memory SQLite connection between its request threads,
    so two audited photo reads at the same moment collide ("database table is locked"). A
    clinic's server does not share connections (SQLite in WAL mode waits for the lock;
    PostgreSQL locks the audit chain head row), so this is the harness's limit, not Bonta's.
    """
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())

    def fetch(route: Route) -> None:
        # The live server's own http:// URL (S310: no file: or custom scheme can reach here).
        request = urllib.request.Request(route.request.url, headers={"Cookie": cookie})  # noqa: S310
        with urllib.request.urlopen(request) as response:  # noqa: S310
            body, headers = response.read(), dict(response.headers)
        route.fulfill(status=response.status, headers=headers, body=body)

    page.route("**/photos/*/image/", fetch)


def upload(page: Page, name: str, content: bytes, mime: str, taken_on: str, session: str) -> None:
    page.set_input_files("#id_photo", files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.select_option("#id_area", "glabellar_lines")
    page.check("input[name=view][value=max_contraction]")
    page.fill("#id_taken_on", taken_on)
    page.select_option("#id_encounter", session)
    page.click("button:has-text('File photo')")
    expect(page.locator(".msg-success")).to_contain_text("Photo filed: Glabellar lines")


def test_a_clinician_files_two_photos_and_compares_them_side_by_side(
    page: Page, clinician: User
) -> None:
    patient = make_patient(clinician)
    give_consents(patient, clinician, ("photography",))
    at = timezone.now() - timedelta(days=14)
    session = glabellar_session(
        patient, clinician, make_vial(clinician, reconstituted_at=at - timedelta(hours=1)), at=at
    )
    day = timezone.localdate(at, timezone.get_default_timezone())
    sign_in(page, "dr_grey")
    photos_one_at_a_time(page)

    page.goto(f"/patients/{patient.pk}/")
    expect(page.locator(".photos-panel")).to_contain_text("No photos yet.")
    page.click(".photos-panel >> text=Take or upload photos")
    expect(page.locator("#id_photo")).to_have_attribute("capture", "environment")
    upload(page, "before.jpg", jpeg_with_gps(shade=0), "image/jpeg", f"{day}", str(session.pk))
    later = day + timedelta(days=14)
    upload(page, "after.png", png_photo(shade=60), "image/png", f"{later}", str(session.pk))
    assert Photo.objects.count() == 2
    expect(page.locator(".photo-strip img")).to_have_count(2)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.photo-strip img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "photos-page.png"), full_page=True)

    page.goto(f"/patients/{patient.pk}/")
    panel = page.locator(".photos-panel")
    expect(panel).to_contain_text(f"{day:%Y-%m-%d} – {later:%Y-%m-%d}")
    panel.screenshot(path=str(SHOTS / "photos-panel.png"))
    panel.locator("a", has_text="Compare").click()

    figures = page.locator(".compare-photo")
    expect(figures).to_have_count(2)
    expect(figures.nth(0)).to_contain_text(f"Before {day:%Y-%m-%d}")
    expect(figures.nth(0)).to_contain_text("on the day of the session")
    expect(figures.nth(1)).to_contain_text(f"After {later:%Y-%m-%d}")
    expect(figures.nth(1)).to_contain_text("14 days after the session")
    expect(page.locator(".compare-title")).to_contain_text("14 days apart")
    for n in (0, 1):  # both images really loaded through the permission-checked view
        img = figures.nth(n).locator("img")
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("i => i.naturalWidth") == 480
    boxes = [figures.nth(n).bounding_box() for n in (0, 1)]
    assert boxes[0]["y"] == boxes[1]["y"]  # side by side on one screen
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"]

    page.screenshot(path=str(SHOTS / "photos-compare.png"), full_page=True)
    screenshot(page, "photos-compare")
    assert page.console_errors == []  # no CSP violation (no inline style or script)
