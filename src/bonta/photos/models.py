"""Clinical photos: one standard view of one cosmetic treatment area, on one day.

Rows are written only by `bonta.photos.services.add_photo`, together with the file. A photo is
part of the clinical record: Bonta has no way to delete one, and a withdrawn photography consent
stops new photos but leaves the ones taken under it in place (see the services' docstring).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from bonta.consent.models import Consent
from bonta.records.models import Encounter, Patient
from bonta.records.models.base import uuid_pk


class PhotoView(models.TextChoices):
    REST = "rest", "At rest"
    MAX_CONTRACTION = "max_contraction", "At maximum contraction"


class PhotoFormat(models.TextChoices):
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


class Photo(models.Model):
    id = uuid_pk()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="photos")
    area = models.CharField(max_length=64)  # a cosmetic area code from domain/reference/anatomy
    view = models.CharField(max_length=16, choices=PhotoView.choices)
    taken_on = models.DateField()  # the clinic's local date
    # The session the photo relates to (a "before" on the day, a review two weeks later…).
    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, null=True, blank=True, related_name="photos"
    )
    # The photography consent that was current when the photo was taken.
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="photos")
    # Relative to DATA_DIR/photos: "<2 hex>/<uuid hex>.<ext>"; random, never a name.
    file_name = models.CharField(max_length=64, unique=True)
    format = models.CharField(max_length=8, choices=PhotoFormat.choices)
    sha256 = models.CharField(max_length=64)  # of the stored (re-encoded) file
    width_px = models.PositiveIntegerField()
    height_px = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ("taken_on", "uploaded_at")
        indexes = (
            # The chart panel and the comparison: one patient's photos by area and view.
            models.Index(fields=["patient", "area", "view", "taken_on"], name="photo_patient_area"),
        )
        constraints = (
            models.CheckConstraint(
                condition=models.Q(view__in=["rest", "max_contraction"]), name="photo_view_known"
            ),
            # The same picture is filed once per patient (the hash is of the cleaned pixels).
            models.UniqueConstraint(fields=["patient", "sha256"], name="photo_once_per_patient"),
        )

    def __str__(self) -> str:
        return f"photo {self.id}"  # never the patient's name: str() ends up in logs

    @property
    def content_type(self) -> str:
        return "image/png" if self.format == PhotoFormat.PNG else "image/jpeg"
