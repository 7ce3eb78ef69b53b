"""Scheduled visits. States change only through `bonta.appointments.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from bonta.records.models import Patient
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
