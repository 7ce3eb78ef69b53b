"""Adverse events and BoNT given elsewhere."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from bonta.records.models.base import PATHWAY_CHOICES, units_field, uuid_pk
from bonta.records.models.encounters import Encounter
from bonta.records.models.patients import Patient


class AdverseEventType(models.TextChoices):
    BRUISING = "bruising", "Bruising"
    SWELLING = "swelling", "Swelling"
    EYELID_PTOSIS = "eyelid_ptosis", "Eyelid ptosis"
    BROW_PTOSIS = "brow_ptosis", "Brow ptosis"
    NECK_PAIN = "neck_pain", "Neck pain"
    DYSPHAGIA = "dysphagia", "Dysphagia"
    BREATHING_DIFFICULTY = "breathing_difficulty", "Breathing difficulty"
    GENERALISED_WEAKNESS = "generalised_weakness", "Generalised weakness"
    DIPLOPIA = "diplopia", "Diplopia"
    DYSPHONIA = "dysphonia", "Dysphonia"
    OTHER = "other", "Other"


# Distant spread of toxin effect: the boxed warning, clinical-reference §1.7 (OFDA-BOTOX)
# names generalised muscle weakness, diplopia, dysphagia, dysphonia and breathing difficulties.
URGENT_ADVERSE_EVENTS = frozenset(
    {
        AdverseEventType.DYSPHAGIA,
        AdverseEventType.BREATHING_DIFFICULTY,
        AdverseEventType.GENERALISED_WEAKNESS,
        AdverseEventType.DIPLOPIA,
        AdverseEventType.DYSPHONIA,
    }
)


class AdverseEventSeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class AdverseEventOutcome(models.TextChoices):
    ONGOING = "ongoing", "Ongoing"
    RESOLVING = "resolving", "Resolving"
    RESOLVED = "resolved", "Resolved"
    RESOLVED_WITH_SEQUELAE = "resolved_with_sequelae", "Resolved with sequelae"
    UNKNOWN = "unknown", "Unknown"


class AdverseEvent(models.Model):
    id = uuid_pk()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adverse_events")
    encounter = models.ForeignKey(
        Encounter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adverse_events",
    )
    type = models.CharField(max_length=32, choices=AdverseEventType.choices)
    onset = models.DateField()
    severity = models.CharField(max_length=16, choices=AdverseEventSeverity.choices)
    serious = models.BooleanField(default=False)
    outcome = models.CharField(
        max_length=32, choices=AdverseEventOutcome.choices, default=AdverseEventOutcome.ONGOING
    )
    urgent = models.BooleanField(default=False)  # set by the service from URGENT_ADVERSE_EVENTS
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-onset",)

    def __str__(self) -> str:
        return f"adverse event {self.id} ({self.type})"


class ExternalAdministration(models.Model):
    """BoNT given elsewhere; counts in every cumulative-dose and interval rule.

    Given on one of Bonta's pathways (`pathway` set, `indication` ""), or for another
    indication (`pathway` "", `indication` its name in free text, e.g. "cervical dystonia"):
    such a record counts toward the cumulative window and, for re-treatment, covers only the
    `muscles` it names.
    """

    id = uuid_pk()
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="external_administrations"
    )
    on = models.DateField()
    product = models.CharField(max_length=32)
    units = units_field()
    pathway = models.CharField(max_length=32, choices=PATHWAY_CHOICES, blank=True)
    indication = models.CharField(max_length=200, blank=True, default="")
    area = models.CharField(max_length=64, blank=True)
    muscles = models.JSONField(null=True, blank=True)  # None: the record does not say
    source_system = models.CharField(max_length=200)
    source_id = models.CharField(max_length=200, blank=True)
    # The lot(s) as the source recorded them ("" when it did not say): a FHIR import's
    # contained Medication lotNumber, or a passport session's lots (comma-separated, as the
    # passport lists them). Lot recall finds a patient by any one of them.
    lot = models.CharField(max_length=200, blank=True, default="")
    lot_expiry = models.DateField(null=True, blank=True)  # the source's expiry, when sent
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("on",)
        constraints = (
            models.UniqueConstraint(
                fields=["patient", "source_system", "source_id"],
                condition=~models.Q(source_id=""),
                name="one_import_per_source_record",
            ),
        )

    def __str__(self) -> str:
        return f"external administration {self.id}"
