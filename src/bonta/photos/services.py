"""Clinical photos: the one way to add a photo, and the audited ways to see them.

Rules, in the order `add_photo` applies them (the first broken one is the error; nothing is
written on any of them):

- clinical staff who treat (clinician, nurse) add photos; they, and the manager, see them;
  reception never does, and a patient's portal account never reaches these functions;
- the area is a cosmetic treatment area (`domain/reference/anatomy.toml`), the view is
  `rest` or `max_contraction`, the date is not in the future;
- the session it relates to, if any, is a cosmetic encounter of the same patient;
- the upload is a whole JPEG or PNG of at most 20 MB and 50 megapixels (`bonta.photos.image`);
  what is stored is its pixels only — EXIF (with any GPS location), XMP and ICC are dropped;
- the patient has a *current* photography consent (signed on the latest version, not
  withdrawn). Withdrawal stops new photos from that moment; the photos taken while consent was
  current stay in the clinical record and visible to clinical staff (they are not deleted:
  Bonta has no way to delete a photo), each linked to the consent it was taken under;
- the same picture is not filed twice for one patient.

The file is written (temp file, fsync, rename) inside the transaction that inserts the row and
its audit event: if the row or the audit fails, the file is removed; if the file cannot be
written, nothing is inserted. Call `add_photo` outside any enclosing transaction: a rollback of
an outer transaction cannot be seen from here, and would leave an unreferenced file behind
(never served, since only rows are).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from bonta.accounts.models import User
from bonta.audit.log import record
from bonta.consent.models import Consent, ConsentKind
from bonta.consent.services import current_consent
from bonta.db.prepared import Statement, field_of
from bonta.domain.anatomy import Area, areas
from bonta.domain.errors import DomainError, InvalidInput
from bonta.domain.pathways import Pathway
from bonta.photos import storage
from bonta.photos.image import clean_photo
from bonta.photos.models import Photo, PhotoView
from bonta.records.errors import NotFound
from bonta.records.models import Encounter, Patient
from bonta.records.services._common import (
    CLINICAL_READ,
    CLINICAL_WRITE,
    a_date,
    choice,
    load,
    not_in_future,
    require_role,
)

PHOTOGRAPHY = ConsentKind.PHOTOGRAPHY.value


class PhotographyConsentRequired(InvalidInput):
    """No current photography consent: no new photo may be taken (field `consent`)."""

    def __init__(self, withdrawn_on: date | None) -> None:
        if withdrawn_on is not None:
            message = (
                f"the patient withdrew photography consent on {withdrawn_on:%Y-%m-%d}: photos "
                "taken before then stay in the record, but no new photo can be taken unless "
                "the patient signs the photography consent again"
            )
        else:
            message = (
                "the patient has no current photography consent: they must sign the latest "
                "photography consent before any photo is taken"
            )
        super().__init__("consent", message)


class PhotoNotStored(DomainError):
    """The server could not write the photo's file; nothing was recorded."""


def cosmetic_areas() -> list[Area]:
    return [a for a in areas().values() if a.pathway is Pathway.COSMETIC]


def cosmetic_area(code: object, field: str = "area") -> Area:
    area = areas().get(str(code))
    if area is None:
        raise InvalidInput(field, f"unknown treatment area {code!r}")
    if area.pathway is not Pathway.COSMETIC:
        raise InvalidInput(
            field, f"{area.name} is not a cosmetic treatment area; photos are of cosmetic areas"
        )
    return area


def add_photo(
    patient: Patient,
    *,
    by: User,
    area: str,
    view: str,
    taken_on: date,
    upload: bytes,
    encounter: UUID | str | None = None,
) -> Photo:
    """File one photo of one cosmetic area and view, with its cleaned file (rules: module doc)."""
    require_role(by, CLINICAL_WRITE, "take or upload clinical photos")
    area_code = cosmetic_area(area).code
    view = choice(view, PhotoView, "view")
    taken_on = not_in_future(a_date(taken_on, "taken_on"), "taken_on")
    clean = clean_photo(upload)  # the slow part, before the transaction takes the write lock
    name = storage.new_name(clean.extension)
    file_started = False
    try:
        with transaction.atomic():
            Patient.objects.select_for_update().filter(pk=patient.pk).first()
            session = _session_of(patient, encounter)
            consent = _current_photography_consent(patient)
            _not_already_filed(patient, clean.sha256)
            file_started = True  # from here on, any failure removes the file (if it got there)
            try:
                storage.write_atomically(name, clean.content)
            except OSError as error:
                raise PhotoNotStored(
                    "The photo could not be saved on the clinic server's disk "
                    f"({error.strerror or type(error).__name__}); nothing was recorded. "
                    "Try again, and tell the clinic's administrator if it happens again."
                ) from None
            photo = Photo.objects.create(
                patient=patient,
                area=area_code,
                view=view,
                taken_on=taken_on,
                encounter=session,
                consent=consent,
                file_name=name,
                format=clean.format,
                sha256=clean.sha256,
                width_px=clean.width,
                height_px=clean.height,
                size_bytes=clean.size_bytes,
                uploaded_by=by,
                uploaded_at=timezone.now(),
            )
            record(
                "photo.create",
                actor=by,
                object_type="photo",
                object_id=photo.pk,
                patient_id=patient.pk,
                detail={
                    "area": area_code,
                    "view": view,
                    "encounter_id": str(session.pk) if session else None,
                },
            )
    except BaseException:
        if file_started:
            storage.remove(name)
        raise
    return photo


def _session_of(patient: Patient, encounter: UUID | str | None) -> Encounter | None:
    if encounter in (None, ""):
        return None
    try:
        session = Encounter.objects.get(pk=encounter)
    except (Encounter.DoesNotExist, ValueError, TypeError, ValidationError):  # bad UUID too
        raise InvalidInput("encounter", "unknown encounter") from None
    if session.patient_id != patient.pk:
        raise InvalidInput("encounter", "is another patient's encounter")
    if session.pathway != Pathway.COSMETIC:
        raise InvalidInput(
            "encounter", "is a chronic-migraine encounter; photos relate to cosmetic sessions"
        )
    return session


def _current_photography_consent(patient: Patient) -> Consent:
    consent = current_consent(patient, PHOTOGRAPHY)
    if consent is not None:
        return consent
    withdrawn = (
        Consent.objects.filter(
            patient=patient, document__kind=PHOTOGRAPHY, withdrawn_at__isnull=False
        )
        .order_by("-withdrawn_at")
        .values_list("withdrawn_at", flat=True)
        .first()
    )
    raise PhotographyConsentRequired(
        timezone.localdate(withdrawn, timezone.get_default_timezone()) if withdrawn else None
    )


def _not_already_filed(patient: Patient, sha256: str) -> None:
    same = Photo.objects.filter(patient=patient, sha256=sha256).first()
    if same is not None:
        raise InvalidInput(
            "photo",
            f"this exact photo is already filed ({areas()[same.area].name}, "
            f"{same.get_view_display().lower()}, taken {same.taken_on:%Y-%m-%d})",
        )


# ---- reading --------------------------------------------------------------------------------


def photo_file(photo_id: UUID | str, *, by: User) -> tuple[Photo, Path]:
    """One photo's row and file, for streaming to the screen; every view is audited."""
    require_role(by, CLINICAL_READ, "see clinical photos")
    with transaction.atomic():
        photo = load(Photo, photo_id, "photo")
        path = storage.path_of(photo.file_name)
        if not path.is_file():
            raise NotFound("This photo's file is missing from the clinic server's storage.")
        record(
            "photo.read",
            actor=by,
            object_type="photo",
            object_id=photo.pk,
            patient_id=photo.patient_id,
            detail={"area": photo.area, "view": photo.view},
        )
    return photo, path


def patient_photos(patient_id: UUID | str, *, by: User) -> tuple[Patient, list[Photo]]:
    """A patient's photos (rows only), oldest first; the listing is audited (count only)."""
    require_role(by, CLINICAL_READ, "see clinical photos")
    with transaction.atomic():
        patient = load(Patient, patient_id, "patient")
        photos = list(
            Photo.objects.filter(patient=patient).select_related("encounter", "uploaded_by")
        )
        record(
            "photo.list",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"count": len(photos)},
        )
    return patient, photos


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two photos of one area and view side by side (the same one twice if only one exists)."""

    area: Area
    view: str
    photos: Sequence[Photo]  # every photo of this area and view, oldest first
    before: Photo | None
    after: Photo | None


def comparison(
    patient: Patient,
    photos: Sequence[Photo],
    *,
    area: str,
    view: str,
    before: str | None = None,
    after: str | None = None,
) -> Comparison:
    """Pick the before/after pair from `photos` (already loaded and audited): the ones asked
    for, else the earliest and the latest of this area and view."""
    chosen_area = cosmetic_area(area)
    view = choice(view, PhotoView, "view")
    group = [p for p in photos if p.area == chosen_area.code and p.view == view]
    return Comparison(
        area=chosen_area,
        view=view,
        photos=group,
        before=_pick(group, before, "before", default=0),
        after=_pick(group, after, "after", default=-1),
    )


def _pick(group: Sequence[Photo], wanted: str | None, field: str, default: int) -> Photo | None:
    if not group:
        return None
    if not wanted:
        return group[default]
    found = next((p for p in group if str(p.pk) == wanted), None)
    if found is None:
        raise InvalidInput(field, "is not a photo of this patient's area and view")
    return found


@dataclass(frozen=True, slots=True)
class PanelRow:
    area: Area
    view: str
    view_label: str
    count: int
    first_on: date
    last_on: date


@dataclass(frozen=True, slots=True)
class Panel:
    rows: Sequence[PanelRow]
    consent: Consent | None  # the current photography consent, if any


# On every chart view (compiled once: bonta.db.prepared).
_COUNTS: Statement[dict[str, object]] = Statement(
    lambda patient_id: (
        Photo.objects.filter(patient_id=patient_id)
        .values("area", "view")
        .annotate(count=Count("id"), first_on=Min("taken_on"), last_on=Max("taken_on"))
        .order_by("area", "view")
    ),
    patient_id=field_of(Photo, "patient"),
)


def chart_panel(patient: Patient, *, by: User) -> Panel:
    """What the chart shows about photos: counts per area and view (two queries, no files).

    Part of the chart page, whose read is audited as `patient.chart`; no file is opened.
    """
    require_role(by, CLINICAL_READ, "see clinical photos")
    rows = _COUNTS.run(patient_id=patient.pk)
    known = areas()
    labels = dict(PhotoView.choices)
    return Panel(
        rows=[
            PanelRow(
                known[r["area"]],
                r["view"],
                labels[r["view"]],
                r["count"],
                r["first_on"],
                r["last_on"],
            )
            for r in rows
            if r["area"] in known
        ],
        consent=current_consent(patient, PHOTOGRAPHY),
    )
