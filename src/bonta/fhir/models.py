"""What the FHIR facade stores: Bulk Data export jobs and their files, and the provenance,
idempotency keys and pending reviews of imported bundles.

Export jobs (`bonta.fhir.bulk`):

    queued ──claim (lease)──► running ──► completed ──(expiry)──► expired (files deleted)
       │                        │  └────► failed (error text names no patient data)
       └──────── DELETE ────────┴──────► cancelled (files deleted)

A running job whose runner died (its lease ran out) is claimed again and restarts from the
beginning, up to `MAX_ATTEMPTS`; then it fails.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from bonta.records.models import ExternalAdministration, Patient
from bonta.records.models.base import uuid_pk


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class ExportLevel(models.TextChoices):
    SYSTEM = "system", "System"
    PATIENT = "patient", "All patients"
    GROUP = "group", "Group"


class ExportJob(models.Model):
    id = uuid_pk()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fhir_exports"
    )
    request = models.CharField(max_length=2000)  # the kick-off URL, as the manifest repeats it
    level = models.CharField(max_length=16, choices=ExportLevel.choices)
    group = models.CharField(max_length=64, blank=True)
    types = models.JSONField()  # resource type names, in export order
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.CharField(max_length=200, blank=True)
    transaction_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = (models.Index(fields=["status", "created_at"], name="fhir_export_status"),)

    def __str__(self) -> str:
        return f"export {self.id} ({self.status})"


class ExportFile(models.Model):
    """One NDJSON file of a job: one per resource type (a type with nothing is no file)."""

    id = uuid_pk()
    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=64)
    name = models.CharField(max_length=64, unique=True)  # random; the file under exports/
    count = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField(default=0)

    class Meta:
        ordering = ("job", "resource_type")

    def __str__(self) -> str:
        return f"{self.resource_type} file of {self.job_id}"


class ImportedBundle(models.Model):
    """Provenance of one accepted transaction/batch Bundle: who sent it, when, who imported."""

    id = uuid_pk()
    source_system = models.CharField(max_length=200)
    bundle_id = models.CharField(max_length=200, blank=True)  # Bundle.id or identifier
    bundle_type = models.CharField(max_length=16)
    received_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fhir_imports"
    )
    entries = models.PositiveIntegerField()
    written = models.PositiveIntegerField()  # external administrations written at once
    held = models.PositiveIntegerField()  # administrations held for review
    repeated = models.PositiveIntegerField()  # already received before: nothing written

    def __str__(self) -> str:
        return f"bundle from {self.source_system} at {self.received_at}"


class ImportedAdministration(models.Model):
    """Which bundle an external administration came from (ExternalAdministration itself keeps
    source_system and source_id)."""

    external = models.OneToOneField(
        ExternalAdministration, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    bundle = models.ForeignKey(
        ImportedBundle, on_delete=models.PROTECT, related_name="administrations"
    )

    def __str__(self) -> str:
        return f"{self.external_id} from {self.bundle_id}"


class PendingStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


class PendingImport(models.Model):
    """Administrations for a sent Patient that matched no local patient, or more than one: a
    clinician chooses the patient (or rejects them) on the review page."""

    id = uuid_pk()
    bundle = models.ForeignKey(ImportedBundle, on_delete=models.PROTECT, related_name="pending")
    patient_resource = models.JSONField()  # the sender's Patient (identifiers, name, birthDate)
    administrations = models.JSONField()  # the parsed facts, ready for the service
    candidates = models.ManyToManyField(Patient, related_name="+", blank=True)
    reason = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=PendingStatus.choices, default=PendingStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("bundle__received_at",)

    def __str__(self) -> str:
        return f"pending import {self.id} ({self.status})"


class ExternalIdentifier(models.Model):
    """A sending system's identifier of one of our patients, learnt when a clinician confirmed
    a pending import: the next bundle with it matches without review."""

    id = uuid_pk()
    system = models.CharField(max_length=300)
    value = models.CharField(max_length=200)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["system", "value"], name="one_patient_per_identifier"),
        )

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"


class ImportKey(models.Model):
    """Every administration received, by sending system and its own identifier, with a hash of
    what it said: the same bundle twice writes nothing the second time."""

    id = uuid_pk()
    source_system = models.CharField(max_length=200)
    source_id = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)
    bundle = models.ForeignKey(ImportedBundle, on_delete=models.PROTECT, related_name="keys")

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["source_system", "source_id"], name="one_key_per_source_record"
            ),
        )

    def __str__(self) -> str:
        return f"{self.source_system} {self.source_id}"
