"""Portal accounts (a patient's own sign-in) and the one-time invitations that create them."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from bonta.records.models import Patient
from bonta.records.models.base import uuid_pk


class PortalAccount(models.Model):
    """Links one patient-role user to one patient: the only way the portal finds its patient."""

    id = uuid_pk()
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portal_account"
    )
    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="portal_account")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"portal account {self.id}"  # never the username or name: str() reaches logs


class Invitation(models.Model):
    """A one-time link staff hand to a patient. Only the token's sha256 is stored."""

    id = uuid_pk()
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="portal_invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    birth_date_misses = models.PositiveSmallIntegerField(default=0)  # wrong dates of birth tried

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            # Re-inviting revokes the previous link: at most one open invitation per patient.
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="one_open_portal_invitation_per_patient",
            ),
        )

    def __str__(self) -> str:
        return f"portal invitation {self.id}"

    def is_open(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at
