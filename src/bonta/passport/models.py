"""Clinic keys this clinic trusts to sign toxin passports (a manager keeps the list)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class TrustedClinicKey(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=150)  # the clinic, as the manager knows it
    public_key = models.CharField(max_length=64)  # raw Ed25519 key, base64url, no padding
    key_id = models.CharField(max_length=16, unique=True)  # hex, first 8 bytes of its SHA-256
    fingerprint = models.CharField(max_length=80)
    active = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return f"trusted passport key {self.key_id}"
