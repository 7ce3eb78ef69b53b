"""Consent: versioned consent texts, and a patient's signature on one exact version.

A document is immutable once published (the model refuses updates; a database trigger refuses
them too): a changed text is a new version. A consent points at the exact version signed, so
the text the patient saw is always the one kept; only its withdrawal is recorded later.
"""

from __future__ import annotations

import hashlib
from typing import Any, NoReturn

from django.conf import settings
from django.db import models

from bonta.records.models import Patient
from bonta.records.models.base import uuid_pk


class ConsentKind(models.TextChoices):
    # The two pathways have different documents (DESIGN §3); photography is for clinical photos.
    COSMETIC = "cosmetic", "Cosmetic treatment"
    CHRONIC_MIGRAINE = "chronic_migraine", "Chronic migraine treatment"
    PHOTOGRAPHY = "photography", "Clinical photographs"


class Channel(models.TextChoices):
    TABLET = "tablet", "Tablet in the clinic (witnessed by staff)"
    PORTAL = "portal", "Patient portal"


class DocumentIsImmutable(Exception):
    """Raised on any attempt to change or remove a published consent document."""


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise DocumentIsImmutable(
        "a published consent document cannot be changed: publish a new version"
    )


def text_sha256(title: str, body: str) -> str:
    """The hash of the exact text a patient reads: title, a blank line, then the body."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()


class ConsentDocumentQuerySet(models.QuerySet["ConsentDocument"]):
    update = _refuse
    bulk_update = _refuse


class ConsentDocument(models.Model):
    """One published version of one kind of consent text, worded for one product.

    `product` is the product code the text is written for (a treatment consent names the
    product the patient will receive and cites that product's label facts); "" for a kind that
    is about no product (photography). Versions count per (kind, product). A consent signed on
    a document covers that document's product only (`bonta.consent.guard`).
    """

    id = uuid_pk()
    kind = models.CharField(max_length=32, choices=ConsentKind.choices)
    product = models.CharField(max_length=32, blank=True, default="")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()  # light markup: "## " headings, "- " list items, blank-line blocks
    sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # null: shipped with Bonta

    objects = ConsentDocumentQuerySet.as_manager()

    class Meta:
        ordering = ("kind", "product", "version")
        constraints = (
            models.UniqueConstraint(
                fields=("kind", "product", "version"), name="consent_document_product_version"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="consent_document_version_positive"
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} consent v{self.version}" + (
            f" ({self.product})" if self.product else ""
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        super().save(*args, **kwargs)

    delete = _refuse  # type: ignore[assignment]

    @property
    def text(self) -> str:
        return f"{self.title}\n\n{self.body}"

    @property
    def product_brand(self) -> str:
        """The brand the text is worded for ("" for a kind about no product)."""
        from bonta.domain.products import all_products

        found = all_products().get(self.product)
        return found.brand if found else self.product


class Consent(models.Model):
    """One patient's signature (typed name + drawn signature) on one exact document version.

    `recorded_by` is the signed-in user who recorded it: the witnessing staff member on a
    tablet (then also `witnessed_by`), or the patient's own portal account.
    """

    id = uuid_pk()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="consents")
    typed_name = models.CharField(max_length=200)
    signature_png = models.BinaryField()
    signed_at = models.DateTimeField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("signed_at",)
        # The sign-off guard's one query: this patient, this document, not withdrawn.
        indexes = (models.Index(fields=["patient", "document"], name="consent_patient_doc"),)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(channel="tablet", witnessed_by__isnull=False)
                | models.Q(channel="portal", witnessed_by__isnull=True),
                name="consent_tablet_is_witnessed",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | models.Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
                name="consent_withdrawal_has_who_and_when",
            ),
        )

    def __str__(self) -> str:
        return f"consent {self.id} ({self.document_id})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
