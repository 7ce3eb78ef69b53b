"""The photo pages: capture/upload, serving the file, who may see what, the comparison, the
chart panel, and that nothing under the data dir is reachable without the permission check."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.photos import services, storage
from bonta.photos.image import MAX_PHOTO_BYTES
from bonta.photos.models import Photo
from bonta.records.models import Patient
from records.clinic import glabellar_session, make_user, make_vial

from .conftest import files_on_disk, nothing_written
from .images import jpeg_with_gps, png_photo

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate(timezone.now(), timezone.get_default_timezone())


def client_for(user: User, **kwargs: object) -> Client:
    client = Client(**kwargs)  # type: ignore[arg-type]
    client.force_login(user)
    return client


def upload_form(content: bytes, name: str = "IMG_0001.jpg", **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "photo": SimpleUploadedFile(name, content, content_type="image/jpeg"),
        "area": "glabellar_lines",
        "view": "rest",
        "taken_on": TODAY.isoformat(),
        "encounter": "",
    }
    form.update(changes)
    return form


def file(patient: Patient, by: User, shade: int = 0, **changes: object) -> Photo:
    fields: dict[str, object] = {"area": "glabellar_lines", "view": "rest", "taken_on": TODAY}
    fields.update(changes)
    return services.add_photo(patient, by=by, upload=png_photo(shade), **fields)  # type: ignore[arg-type]


# ---- capture / upload -----------------------------------------------------------------------


def test_the_form_opens_the_tablet_camera_for_jpeg_or_png(alice, nurse_noor, photo_consent):
    html = client_for(nurse_noor).get(f"/photos/patients/{alice.pk}/").content.decode()
    assert re.search(
        r'<input type="file" name="photo" accept="image/jpeg,image/png" capture="environment"', html
    )
    assert 'enctype="multipart/form-data"' in html
    assert "Glabellar lines" in html
    assert "Chronic migraine" not in html


def test_a_nurse_uploads_a_photo_and_the_stored_file_has_no_gps(alice, nurse_noor, photo_consent):
    response = client_for(nurse_noor).post(
        f"/photos/patients/{alice.pk}/", upload_form(jpeg_with_gps())
    )

    assert response.status_code == 302
    photo = Photo.objects.get()
    stored = Image.open(storage.path_of(photo.file_name))
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info


def test_an_upload_names_its_session(alice, nurse_noor, dr_grey, photo_consent):
    session = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    client = client_for(nurse_noor)
    assert str(session.pk) in client.get(f"/photos/patients/{alice.pk}/").content.decode()

    client.post(
        f"/photos/patients/{alice.pk}/", upload_form(png_photo(), encounter=str(session.pk))
    )

    assert Photo.objects.get().encounter == session


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"photo": SimpleUploadedFile("notes.jpg", b"not a picture", "image/jpeg")},
            "not a JPEG or PNG image",
        ),
        ({"view": "profile"}, "Select a valid choice"),
        ({"area": "chronic_migraine"}, "Select a valid choice"),
    ],
)
def test_bad_uploads_come_back_with_the_field_named(
    alice, nurse_noor, photo_consent, changes, message
):
    response = client_for(nurse_noor).post(
        f"/photos/patients/{alice.pk}/", upload_form(png_photo(), **changes)
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    nothing_written()


def test_a_file_over_20_mb_gets_a_clear_message_not_a_413(alice, nurse_noor, photo_consent):
    big = SimpleUploadedFile("huge.jpg", b"\xff" * (MAX_PHOTO_BYTES + 1), "image/jpeg")
    response = client_for(nurse_noor).post(
        f"/photos/patients/{alice.pk}/", upload_form(b"", photo=big)
    )

    assert response.status_code == 422
    assert "the file is larger than 20 MB" in response.content.decode()
    nothing_written()


def test_without_photography_consent_the_form_is_replaced_by_the_reason(alice, nurse_noor):
    client = client_for(nurse_noor)
    html = client.get(f"/photos/patients/{alice.pk}/").content.decode()
    assert "No current photography consent" in html
    assert 'type="file"' not in html

    response = client.post(f"/photos/patients/{alice.pk}/", upload_form(png_photo()))
    assert response.status_code == 422
    assert "consent: the patient has no current photography consent" in response.content.decode()
    nothing_written()


def test_the_upload_is_csrf_protected(alice, nurse_noor, photo_consent):
    client = client_for(nurse_noor, enforce_csrf_checks=True)
    response = client.post(f"/photos/patients/{alice.pk}/", upload_form(png_photo()))
    assert response.status_code == 403
    nothing_written()


@pytest.mark.parametrize("persona", ["max_manager", "rita_reception"])
def test_managers_and_reception_cannot_upload(request, alice, photo_consent, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).post(f"/photos/patients/{alice.pk}/", upload_form(png_photo()))
    assert response.status_code == 403
    nothing_written()


# ---- serving the file -----------------------------------------------------------------------


def test_the_image_is_streamed_privately_inline_and_the_view_is_audited(
    alice, nurse_noor, dr_grey, photo_consent
):
    photo = file(alice, nurse_noor)

    response = client_for(dr_grey).get(f"/photos/{photo.pk}/image/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="photo-{photo.pk}.png"'
    assert b"".join(response.streaming_content) == storage.path_of(photo.file_name).read_bytes()
    event = AuditEvent.objects.filter(action="photo.read").get()
    assert (event.patient_id, event.actor_id, event.object_id) == (
        alice.pk,
        dr_grey.pk,
        str(photo.pk),
    )
    assert event.detail == {"area": "glabellar_lines", "view": "rest"}


def test_reception_gets_403_for_photos_and_no_audit_of_a_view(
    alice, nurse_noor, rita_reception, photo_consent
):
    photo = file(alice, nurse_noor)
    client = client_for(rita_reception)
    for url in (
        f"/photos/{photo.pk}/image/",
        f"/photos/patients/{alice.pk}/",
        f"/photos/patients/{alice.pk}/compare/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"PNG" not in response.content
    assert not AuditEvent.objects.filter(action__in=["photo.read", "photo.list"]).exists()


def test_a_patient_portal_account_is_refused_on_staff_photo_urls(alice, nurse_noor, photo_consent):
    photo = file(alice, nurse_noor)
    portal = make_user("alice_portal", "patient")
    assert client_for(portal).get(f"/photos/{photo.pk}/image/").status_code == 403
    assert not AuditEvent.objects.filter(action="photo.read").exists()


def test_every_photo_url_needs_a_signed_in_user(client, alice, nurse_noor, photo_consent):
    photo = file(alice, nurse_noor)
    for url in (
        f"/photos/{photo.pk}/image/",
        f"/photos/patients/{alice.pk}/",
        f"/photos/patients/{alice.pk}/compare/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_an_unknown_photo_is_404(nurse_noor):
    response = client_for(nurse_noor).get("/photos/00000000-0000-0000-0000-000000000000/image/")
    assert response.status_code == 404


def test_nothing_under_the_data_dir_is_served_as_a_static_or_media_file(
    alice, nurse_noor, photo_consent, client, settings
):
    photo = file(alice, nurse_noor)
    name = photo.file_name
    for url in (
        f"/static/{name}",
        f"/static/photos/{name}",
        f"/static/../photos/{name}",
        f"/static/%2e%2e/photos/{name}",
        f"/media/{name}",
        f"/photos/{name}",
        f"/{name}",
    ):
        response = client.get(url)
        assert response.status_code in {302, 404}, url  # 302: the login page, never the file
        assert b"PNG" not in b"".join(getattr(response, "streaming_content", [response.content]))
    assert not settings.MEDIA_ROOT  # Bonta has no public media directory at all


def test_a_static_root_that_would_serve_the_photos_fails_the_system_check(settings, data_dir):
    assert not [e for e in checks.run_checks() if e.id == "bonta.photos.E001"]
    settings.STATIC_ROOT = data_dir
    errors = [e for e in checks.run_checks() if e.id == "bonta.photos.E001"]
    assert len(errors) == 1
    assert "served without a permission check" in errors[0].msg


# ---- the comparison and the chart panel -----------------------------------------------------


def test_the_comparison_shows_the_earliest_and_latest_side_by_side_with_dates_and_sessions(
    alice, nurse_noor, dr_grey, photo_consent
):
    session = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    session_day = timezone.localdate(session.at, timezone.get_default_timezone())
    before = file(alice, nurse_noor, 0, taken_on=session_day, encounter=session.pk)
    file(alice, nurse_noor, 20, taken_on=date(2025, 3, 10))
    after = file(alice, nurse_noor, 40, taken_on=date(2025, 3, 17), encounter=session.pk)

    response = client_for(dr_grey).get(f"/photos/patients/{alice.pk}/compare/")

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert "private" in response["Cache-Control"]
    shown = re.findall(
        r'<figure class="compare-photo">.*?src="/photos/([0-9a-f-]+)/image/"', html, re.S
    )
    assert shown == [str(before.pk), str(after.pk)]
    assert "Before" in html
    assert "After" in html
    assert f"{session_day:%Y-%m-%d}" in html
    assert "2025-03-17" in html
    assert "on the day of the session" in html
    assert "14 days after the session" in html
    assert "14 days apart" in html
    assert f'href="/encounters/{session.pk}/"' in html


def test_a_chosen_pair_is_compared_and_a_stranger_photo_is_refused(
    alice, nurse_noor, dr_grey, photo_consent
):
    first = file(alice, nurse_noor, 0, taken_on=date(2025, 1, 6))
    second = file(alice, nurse_noor, 20, taken_on=date(2025, 2, 6))
    file(alice, nurse_noor, 40, taken_on=date(2025, 3, 6))
    other_view = file(alice, nurse_noor, 60, view="max_contraction")
    client = client_for(dr_grey)
    url = f"/photos/patients/{alice.pk}/compare/?area=glabellar_lines&view=rest"

    html = client.get(f"{url}&before={first.pk}&after={second.pk}").content.decode()
    shown = re.findall(
        r'<figure class="compare-photo">.*?src="/photos/([0-9a-f-]+)/image/"', html, re.S
    )
    assert shown == [str(first.pk), str(second.pk)]

    refused = client.get(f"{url}&before={other_view.pk}")
    assert refused.status_code == 422
    assert "before: is not a photo of this patient&#x27;s area and view" in refused.content.decode()


def test_the_chart_shows_a_photos_panel_to_clinical_staff_only(
    alice, nurse_noor, rita_reception, photo_consent
):
    file(alice, nurse_noor, 0, taken_on=date(2025, 1, 6))
    file(alice, nurse_noor, 20, taken_on=date(2025, 3, 6))

    html = client_for(nurse_noor).get(f"/patients/{alice.pk}/").content.decode()
    panel = html[html.index('class="card photos-panel"') :]
    assert "Glabellar lines" in panel
    assert "2025-01-06 – 2025-03-06" in panel
    assert f"/photos/patients/{alice.pk}/compare/?area=glabellar_lines&amp;view=rest" in panel
    assert "Take or upload photos" in panel
    assert (
        "photos-panel"
        not in client_for(rita_reception).get(f"/patients/{alice.pk}/").content.decode()
    )


def test_the_chart_panel_says_when_no_photo_can_be_taken(alice, nurse_noor):
    html = client_for(nurse_noor).get(f"/patients/{alice.pk}/").content.decode()
    assert "No current photography consent: no new photo can be taken" in html


def test_a_failed_disk_write_is_a_clear_message(alice, nurse_noor, photo_consent, monkeypatch):
    import os

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    response = client_for(nurse_noor).post(
        f"/photos/patients/{alice.pk}/", upload_form(png_photo())
    )
    assert response.status_code == 503
    assert "could not be saved on the clinic server" in response.content.decode()
    assert files_on_disk() == []
    assert Photo.objects.count() == 0
