"""The capture/upload form, and the upload handler that keeps a photo in memory, bounded.

Django spools uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file in the system's
temp dir; a patient photo must not land there (outside the data dir, unaudited). This view's
own handler keeps the upload in memory up to the photo limit and skips the rest of a larger
file, remembering why, so the form can say "larger than 20 MB" instead of answering 413.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django import forms
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopFutureHandlers
from django.utils import timezone

from bonta.photos.image import MAX_PHOTO_BYTES, MAX_PHOTO_MEGAPIXELS, too_large_message
from bonta.photos.models import PhotoView
from bonta.photos.services import cosmetic_areas
from bonta.records.models import Encounter


class BoundedPhotoUpload(FileUploadHandler):
    """Hold each uploaded file in memory, at most MAX_PHOTO_BYTES; skip (and flag) the rest."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.too_large = False
        self.buffer = io.BytesIO()
        self.size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer, self.size = io.BytesIO(), 0
        raise StopFutureHandlers()  # no other handler (no temp file) sees this file

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size > MAX_PHOTO_BYTES:
            self.too_large = True
            self.buffer = io.BytesIO()
            raise SkipFile()
        self.buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def local_today() -> date:
    return timezone.localdate(timezone.now(), timezone.get_default_timezone())


def session_label(encounter: Encounter) -> str:
    """'2025-03-03 · Glabellar lines (signed)': how a photo names the session it relates to."""
    day = timezone.localdate(encounter.at, timezone.get_default_timezone())
    what = encounter.protocol.replace("_", " ").capitalize() if encounter.protocol else "Session"
    return f"{day:%Y-%m-%d} · {what} ({encounter.get_status_display().lower()})"


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="Photo",
        help_text=(
            f"JPEG or PNG, at most {MAX_PHOTO_BYTES // 2**20} MB and {MAX_PHOTO_MEGAPIXELS} "
            "megapixels. On a tablet this opens the camera. Location and camera data are removed."
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
        allow_empty_file=True,  # the service says "the file is empty", naming the field
    )
    area = forms.ChoiceField(label="Treatment area")
    view = forms.ChoiceField(
        label="View", choices=PhotoView.choices, widget=forms.RadioSelect, initial="rest"
    )
    taken_on = forms.DateField(label="Taken on", widget=DateInput())
    encounter = forms.ChoiceField(
        label="Session it relates to", required=False, help_text="Optional."
    )

    def __init__(
        self, encounters: list[Encounter], *args: Any, too_large: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "— choose —")] + [
            (a.code, a.name) for a in cosmetic_areas()
        ]
        self.fields["encounter"].choices = [("", "— none —")] + [
            (str(e.pk), session_label(e)) for e in encounters
        ]
        self.fields["taken_on"].initial = local_today()
        self.too_large = too_large

    def full_clean(self) -> None:
        super().full_clean()
        if self.too_large and self.is_bound:
            self.errors.pop("photo", None)
            self.add_error("photo", too_large_message())
