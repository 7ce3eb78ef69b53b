"""Scheduled visits. States change only through `bonta.appointments.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from bonta.records.models import Encounter, Patient
from bonta.records.models.base import pathway_field, uuid_pk


class AppointmentKind(models.TextChoices):
    REVIEW = "review", "Review"
    CYCLE = "cycle", "Next treatment cycle"
    TOUCH_UP = "touch_up", "Touch-up"
    CONSULTATION = "consultation", "Consultation"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    MOVED = "moved", "Moved"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"
    ATTENDED = "attended", "Attended"


# Still expected to happen: these are what the recall list and "has a future appointment" read.
UPCOMING = (AppointmentStatus.BOOKED, AppointmentStatus.MOVED)


class ReasonCode(models.TextChoices):
    """Why an appointment was moved or cancelled: codes, never free text (it reaches the log)."""

    PATIENT_REQUEST = "patient_request", "Patient's request"
    CLINIC_REQUEST = "clinic_request", "Clinic's request"
    CLINICIAN_UNAVAILABLE = "clinician_unavailable", "Clinician unavailable"
    PATIENT_UNWELL = "patient_unwell", "Patient unwell"
    TREATMENT_NOT_NEEDED = "treatment_not_needed", "Treatment no longer needed"
    OTHER = "other", "Other"


class Appointment(models.Model):
    id = uuid_pk()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    pathway = pathway_field()
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices)
    # Bonta has no clinic table yet: a site code, "" for the clinic's only (default) site.
    clinic = models.CharField(max_length=64, blank=True, default="")
    starts_at = models.DateTimeField()  # aware, UTC at rest
    duration_minutes = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    reason_code = models.CharField(max_length=32, choices=ReasonCode.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("starts_at",)
        indexes = (
            # The recall list: upcoming appointments of one site in a date window.
            models.Index(fields=["clinic", "status", "starts_at"], name="appt_clinic_due"),
            # The overlap check: one clinician's appointments around a start time.
            models.Index(fields=["clinician", "starts_at"], name="appt_clinician_start"),
            # "Has this patient a future appointment?" (recall list, patient chart).
            models.Index(fields=["patient", "starts_at"], name="appt_patient_start"),
        )

    def __str__(self) -> str:
        return f"appointment {self.id} ({self.kind}, {self.status})"


class RecallDue(models.Model):
    """A proposed visit after a patient's latest signed session on a pathway, for one area.

    Derived, never edited: `bonta.appointments.services.recall` writes it from the records with
    the domain's `next_visits` in the transaction that changes what it depends on (sign-off, a
    wear-off report, an imported record) and `bonta_recall_rebuild` recomputes it. Nothing in
    it depends on the day it is read: the recall list picks the rows in its window and leaves
    out patients with an upcoming appointment when it reads them.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    # the session it follows: the patient's latest signed one on the pathway
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="+")
    pathway = pathway_field()
    product = models.CharField(max_length=32)
    area = models.CharField(max_length=64)  # a treatment area (bonta.domain.anatomy)
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices)
    due_on = models.DateField()  # the recommended date (the review's date for a review)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["encounter", "area", "kind"], name="recall_due_one_per_area_kind"
            ),
        )
        indexes = (
            # The recall list: the rows in a date window, with the patient to join and probe.
            models.Index(fields=["due_on", "patient"], name="recall_due_window"),
        )

    def __str__(self) -> str:
        return f"recall due {self.due_on} ({self.kind}, {self.area})"


class RecallStale(models.Model):
    """A patient whose `RecallDue` rows may lag their signed history: marked in the transaction
    that changed the history (so the mark commits or rolls back with the change), cleared by
    the refresh that recomputed the rows after commit (`services.recall.refresh_patients`).

    `token` is new at every mark: a refresh clears a mark only if its token is still the one it
    read before reading the history, so a change committed meanwhile keeps its mark. A mark
    left behind (a process died before its refresh) is swept by `bonta worker` and the
    `bonta serve` background thread; the recall list recomputes marked patients when it reads.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.UUIDField()
    marked_at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=["marked_at"], name="recall_stale_marked_at"),)

    def __str__(self) -> str:
        return f"recall stale since {self.marked_at:%Y-%m-%d %H:%M:%S}"
