"""A product recall: which patients received a lot (or a product in a date range), and the
clinic's outreach to each of them.

Not the appointments app's "recall list" (patients due for their next treatment): this is the
manufacturer's or regulator's recall of a batch.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from bonta.records.models import Patient


class OutreachStatus(models.TextChoices):
    NOT_CONTACTED = "not_contacted", "Not contacted"
    CONTACTED = "contacted", "Contacted"
    UNREACHABLE = "unreachable", "Unreachable"
    SEEN = "seen", "Seen"


class RecallCampaign(models.Model):
    """One search kept with its outreach: a lot, or a product between two dates (inclusive)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lot = models.CharField(max_length=64, blank=True)
    product = models.CharField(max_length=32, blank=True)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"lot recall {self.id}"

    @property
    def describe(self) -> str:
        if self.lot:
            return f"lot {self.lot}"
        return f"{self.product} given {self.date_from} to {self.date_to}"


class RecallContact(models.Model):
    """One patient of a campaign and where the outreach stands (who set it, when, a note)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(RecallCampaign, on_delete=models.PROTECT, related_name="contacts")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=OutreachStatus.choices, default=OutreachStatus.NOT_CONTACTED
    )
    status_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["campaign", "patient"], name="one_contact_per_patient"),
        )

    def __str__(self) -> str:
        return f"recall contact {self.id} ({self.status})"
