"""Users and their roles: staff, and patients who sign in to the portal (bonta.portal)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician (injector, neurologist)"
    NURSE = "nurse", "Nurse"
    RECEPTION = "reception", "Reception"
    MANAGER = "manager", "Clinic manager"
    PATIENT = "patient", "Patient (portal)"  # a portal account: never a staff role


STAFF_ROLES = frozenset(Role) - {Role.PATIENT}


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RECEPTION)

    @property
    def is_patient(self) -> bool:
        """A portal account (bonta.portal): refused by every staff page, the API and tokens."""
        return self.role == Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def sees_clinical_notes(self) -> bool:
        return self.role in {Role.CLINICIAN, Role.NURSE, Role.MANAGER}


class ApiToken(models.Model):
    """A bearer key for the REST API. Only the key's sha256 is stored; the key is shown once.

    A token works until `expires_at` (settings.BONTA_API_TOKEN_DAYS after issue, or the days
    asked for) unless revoked; `last_used_at` is refreshed at most once a minute.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"API token {self.name}"

    def status(self, now: datetime) -> str:
        """ "revoked", "expired" or "active" at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"
