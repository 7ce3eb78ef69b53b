"""Patients and their courses of treatment."""

from __future__ import annotations

from django.db import models

from bonta.domain.pathways import Pathway
from bonta.domain.plan import PatientState
from bonta.records.models.base import pathway_field, uuid_pk


class Patient(models.Model):
    """A person treated, with the standing safety flags the engine reads.

    The JSON lists hold codes from `domain/reference/patient_factors.toml` (conditions,
    allergies, medications) and muscle codes (infection_sites); services validate them.
    """

    id = uuid_pk()
    record_number = models.CharField(max_length=32, unique=True)
    given_name = models.CharField(max_length=150)
    family_name = models.CharField(max_length=150)
    birth_date = models.DateField()
    sex = models.CharField(
        max_length=16,
        choices=[
            ("female", "Female"),
            ("male", "Male"),
            ("other", "Other"),
            ("unknown", "Unknown"),
        ],
        default="unknown",
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    pregnant = models.BooleanField(default=False)
    breastfeeding = models.BooleanField(default=False)
    conditions = models.JSONField(default=list, blank=True)
    allergies = models.JSONField(default=list, blank=True)
    medications = models.JSONField(default=list, blank=True)
    infection_sites = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = (
            "family_name",
            "given_name",
            "record_number",
        )

    def __str__(self) -> str:
        return self.record_number  # never the name: str() ends up in logs

    def to_domain(self) -> PatientState:
        return PatientState(
            birth_date=self.birth_date,
            sex=self.sex,
            pregnant=self.pregnant,
            breastfeeding=self.breastfeeding,
            conditions=frozenset(self.conditions),
            allergies=frozenset(self.allergies),
            medications=frozenset(self.medications),
            infection_sites=frozenset(self.infection_sites),
        )


class CourseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


class Course(models.Model):
    """A patient's ongoing treatment on one pathway (later issues add baseline, stopping)."""

    id = uuid_pk()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    pathway = pathway_field()
    started_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=CourseStatus.choices, default=CourseStatus.ACTIVE
    )

    class Meta:
        ordering = ("started_on",)

    def __str__(self) -> str:
        return f"course {self.id} ({self.pathway})"

    @property
    def pathway_enum(self) -> Pathway:
        return Pathway(self.pathway)
