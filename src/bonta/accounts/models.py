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
    # Made by the demo loader (`bonta serve --demo`): signs in without MFA while BONTA_DEMO is on.
    demo_account = models.BooleanField(default=False)

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


class TotpDevice(models.Model):
    """A staff member's authenticator (TOTP, RFC 6238): one per user, confirmed by a first code.

    The shared secret is encrypted with BONTA_MFA_KEY (bonta.accounts.mfa); `last_step` is the
    30-second step of the last code accepted, so a code is never accepted twice.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret_encrypted = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"authenticator of {self.user_id}"


class RecoveryCode(models.Model):
    """A one-time sign-in code for a lost authenticator: only a keyed hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_once"),
        )

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"
