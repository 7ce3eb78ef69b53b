"""add_photo and the audited reads: what is written, what is refused, and that a refusal or a
failure leaves neither a row nor a file."""

from __future__ import annotations

import hashlib
import os
from datetime import date, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.consent import services as consent_services
from bonta.consent.models import Consent
from bonta.domain.errors import InvalidInput
from bonta.photos import services, storage
from bonta.photos.models import Photo
from bonta.records.errors import NotAllowed, NotFound
from bonta.records.models import Patient
from records.clinic import glabellar_session, make_patient, make_vial, preempt_session

from .conftest import files_on_disk, nothing_written
from .images import jpeg_with_gps, png_photo

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate(timezone.now(), timezone.get_default_timezone())


def add(patient: Patient, by: User, upload: bytes | None = None, **changes: object) -> Photo:
    fields: dict[str, object] = {
        "area": "glabellar_lines",
        "view": "rest",
        "taken_on": TODAY,
        "upload": png_photo() if upload is None else upload,
    }
    fields.update(changes)
    return services.add_photo(patient, by=by, **fields)  # type: ignore[arg-type]


def refused(patient: Patient, by: User, field: str, **changes: object) -> str:
    with pytest.raises(InvalidInput) as caught:
        add(patient, by, **changes)
    assert caught.value.field == field
    nothing_written()
    return caught.value.reason


# ---- what is written ------------------------------------------------------------------------


def test_a_nurse_files_a_photo_with_its_file_under_the_data_dir(
    alice, nurse_noor, photo_consent, data_dir
) -> None:
    photo = add(alice, nurse_noor, upload=jpeg_with_gps(), view="max_contraction")

    (path,) = files_on_disk()
    assert path == data_dir / "photos" / photo.file_name
    assert path.read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG
    assert photo.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (photo.width_px, photo.height_px, photo.size_bytes) == (480, 360, path.stat().st_size)
    assert (photo.area, photo.view, photo.taken_on) == ("glabellar_lines", "max_contraction", TODAY)
    assert photo.consent == photo_consent
    assert photo.uploaded_by == nurse_noor
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct((data_dir / "photos").stat().st_mode & 0o777) == "0o700"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"


def test_the_stored_file_has_no_exif_and_no_gps(alice, nurse_noor, photo_consent) -> None:
    photo = add(alice, nurse_noor, upload=jpeg_with_gps())

    stored = Image.open(storage.path_of(photo.file_name))
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info
    assert b"TabletCam" not in storage.path_of(photo.file_name).read_bytes()


def test_the_file_name_is_random_and_says_nothing_about_the_patient(
    alice, nurse_noor, photo_consent
) -> None:
    photo = add(alice, nurse_noor)
    assert storage.NAME.match(photo.file_name)
    for identifying in (alice.given_name, alice.family_name, alice.record_number, str(alice.pk)):
        assert identifying.lower() not in photo.file_name.lower()


def test_filing_a_photo_is_audited_without_names(alice, nurse_noor, photo_consent) -> None:
    photo = add(alice, nurse_noor)

    event = AuditEvent.objects.get(action="photo.create")
    assert (event.patient_id, event.object_id) == (alice.pk, str(photo.pk))
    assert event.detail == {"area": "glabellar_lines", "view": "rest", "encounter_id": None}


def test_a_photo_relates_to_a_cosmetic_session_of_the_same_patient(
    alice, nurse_noor, dr_grey, photo_consent
) -> None:
    session = glabellar_session(alice, dr_grey, make_vial(dr_grey))
    photo = add(alice, nurse_noor, encounter=str(session.pk))
    assert photo.encounter == session


def test_the_same_picture_is_not_filed_twice(alice, nurse_noor, photo_consent) -> None:
    add(alice, nurse_noor)
    with pytest.raises(InvalidInput) as caught:
        add(alice, nurse_noor, view="max_contraction")
    assert "already filed (Glabellar lines, at rest" in caught.value.reason
    assert Photo.objects.count() == 1
    assert len(files_on_disk()) == 1


# ---- refusals: a specific error, nothing written --------------------------------------------


def test_no_photo_without_a_photography_consent(alice, nurse_noor) -> None:
    reason = refused(alice, nurse_noor, "consent")
    assert "no current photography consent" in reason


def test_no_new_photo_after_the_consent_is_withdrawn_but_earlier_ones_stay(
    alice, nurse_noor, dr_grey, photo_consent
) -> None:
    earlier = add(alice, nurse_noor)
    consent_services.withdraw_consent(photo_consent, by=nurse_noor)

    with pytest.raises(InvalidInput) as caught:
        add(alice, nurse_noor, upload=png_photo(shade=30))

    assert caught.value.field == "consent"
    assert "withdrew photography consent on" in caught.value.reason
    assert list(Photo.objects.all()) == [earlier]
    assert files_on_disk() == [storage.path_of(earlier.file_name)]
    # The earlier photo stays in the record and can still be seen by clinical staff.
    photo, path = services.photo_file(earlier.pk, by=dr_grey)
    assert photo == earlier
    assert path.is_file()


def test_a_consent_on_an_outdated_version_does_not_count(
    alice, nurse_noor, max_manager, photo_consent
) -> None:
    document = photo_consent.document
    consent_services.publish_document(
        kind="photography",
        title=document.title,
        body=document.body + "\n\nA new line.",
        by=max_manager,
    )
    assert "no current photography consent" in refused(alice, nurse_noor, "consent")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"view": "smiling"}, "view", "unknown value 'smiling'"),
        ({"area": "chronic_migraine"}, "area", "is not a cosmetic treatment area"),
        ({"area": "elbow"}, "area", "unknown treatment area 'elbow'"),
        ({"taken_on": TODAY + timedelta(days=1)}, "taken_on", "cannot be in the future"),
        ({"taken_on": "2025-03-03"}, "taken_on", "must be a calendar date"),
        ({"upload": b"%PDF-1.7 not a photo"}, "photo", "not a JPEG or PNG image"),
        ({"encounter": "not-a-uuid"}, "encounter", "unknown encounter"),
    ],
)
def test_bad_input_is_refused_by_field(
    alice, nurse_noor, photo_consent, changes, field, message
) -> None:
    assert message in refused(alice, nurse_noor, field, **changes)


def test_a_session_of_another_patient_is_refused(alice, nurse_noor, dr_grey, photo_consent) -> None:
    bob = make_patient(dr_grey, "B-002", given_name="Bob", family_name="Baker")
    bobs = glabellar_session(bob, dr_grey, make_vial(dr_grey))
    assert (
        refused(alice, nurse_noor, "encounter", encounter=bobs.pk)
        == "is another patient's encounter"
    )


def test_a_migraine_session_is_refused(alice, nurse_noor, dr_grey, photo_consent) -> None:
    vial = make_vial(dr_grey, product="botox", size_units="200", diluent_ml="4", lot="B1")
    migraine = preempt_session(alice, dr_grey, vial)
    assert "chronic-migraine encounter" in refused(
        alice, nurse_noor, "encounter", encounter=migraine.pk
    )


@pytest.mark.parametrize("persona", ["rita_reception", "max_manager"])
def test_only_clinicians_and_nurses_file_photos(request, alice, photo_consent, persona) -> None:
    with pytest.raises(NotAllowed):
        add(alice, request.getfixturevalue(persona))
    nothing_written()


# ---- failures: the file and the row go together ---------------------------------------------


def test_if_the_database_write_fails_the_file_is_removed(
    alice, nurse_noor, photo_consent, monkeypatch
) -> None:
    def broken_audit(*args: object, **kwargs: object) -> None:
        assert len(files_on_disk()) == 1  # the file was in place when the audit failed
        raise RuntimeError("audit chain unavailable")

    monkeypatch.setattr(services, "record", broken_audit)
    with pytest.raises(RuntimeError):
        add(alice, nurse_noor)
    nothing_written()


def test_if_the_file_cannot_be_written_nothing_is_recorded(
    alice, nurse_noor, photo_consent, monkeypatch
) -> None:
    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(services.PhotoNotStored) as caught:
        add(alice, nurse_noor)
    assert "No space left on device" in caught.value.message
    assert "nothing was recorded" in caught.value.message
    nothing_written()  # the temporary file is gone too


def test_if_the_rename_cannot_be_made_durable_the_renamed_file_is_removed(
    alice, nurse_noor, photo_consent, monkeypatch
) -> None:
    def io_error(directory: object) -> None:
        assert len(files_on_disk()) == 1  # renamed into place already
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(storage, "_sync_directory", io_error)
    with pytest.raises(services.PhotoNotStored):
        add(alice, nurse_noor)
    nothing_written()


# ---- reading --------------------------------------------------------------------------------


def test_every_view_of_a_photo_is_audited_with_the_patient_and_no_names(
    alice, nurse_noor, max_manager, photo_consent
) -> None:
    photo = add(alice, nurse_noor)
    services.photo_file(photo.pk, by=max_manager)
    services.photo_file(photo.pk, by=max_manager)

    reads = AuditEvent.objects.filter(action="photo.read")
    assert reads.count() == 2
    for event in reads:
        assert (event.patient_id, event.object_id, event.actor_id) == (
            alice.pk,
            str(photo.pk),
            max_manager.pk,
        )
        assert event.detail == {"area": "glabellar_lines", "view": "rest"}


def test_reception_sees_no_photo(alice, nurse_noor, rita_reception, photo_consent) -> None:
    photo = add(alice, nurse_noor)
    with pytest.raises(NotAllowed):
        services.photo_file(photo.pk, by=rita_reception)
    with pytest.raises(NotAllowed):
        services.patient_photos(alice.pk, by=rita_reception)
    assert not AuditEvent.objects.filter(action__in=["photo.read", "photo.list"]).exists()


def test_a_photo_whose_file_is_missing_is_not_found(alice, nurse_noor, photo_consent) -> None:
    photo = add(alice, nurse_noor)
    storage.path_of(photo.file_name).unlink()
    with pytest.raises(NotFound):
        services.photo_file(photo.pk, by=nurse_noor)


def test_the_comparison_defaults_to_the_earliest_and_the_latest(
    alice, nurse_noor, photo_consent
) -> None:
    first = add(alice, nurse_noor, taken_on=date(2025, 1, 6), upload=png_photo(0))
    middle = add(alice, nurse_noor, taken_on=date(2025, 2, 6), upload=png_photo(20))
    last = add(alice, nurse_noor, taken_on=date(2025, 3, 6), upload=png_photo(40))
    add(alice, nurse_noor, view="max_contraction", upload=png_photo(60))
    _, photos = services.patient_photos(alice.pk, by=nurse_noor)

    default = services.comparison(alice, photos, area="glabellar_lines", view="rest")
    chosen = services.comparison(
        alice, photos, area="glabellar_lines", view="rest", before=str(middle.pk)
    )

    assert (default.before, default.after) == (first, last)
    assert list(default.photos) == [first, middle, last]
    assert (chosen.before, chosen.after) == (middle, last)
    with pytest.raises(InvalidInput, match="before: is not a photo of this patient's area"):
        services.comparison(
            alice, photos, area="glabellar_lines", view="max_contraction", before=str(first.pk)
        )


def test_the_chart_panel_counts_photos_per_area_and_view_in_two_queries(
    alice, nurse_noor, photo_consent, django_assert_num_queries
) -> None:
    add(alice, nurse_noor, taken_on=date(2025, 1, 6), upload=png_photo(0))
    add(alice, nurse_noor, taken_on=date(2025, 3, 6), upload=png_photo(20))
    add(alice, nurse_noor, area="forehead_lines", upload=png_photo(40))

    with django_assert_num_queries(2):
        panel = services.chart_panel(alice, by=nurse_noor)

    assert [(r.area.code, r.view, r.count, r.first_on, r.last_on) for r in panel.rows] == [
        ("forehead_lines", "rest", 1, TODAY, TODAY),
        ("glabellar_lines", "rest", 2, date(2025, 1, 6), date(2025, 3, 6)),
    ]
    assert isinstance(panel.consent, Consent)
