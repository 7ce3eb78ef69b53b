"""Consent: a patient's signature on one exact version of a consent document."""

from __future__ import annotations

from typing import Any

from bonta.consent.models import Consent, ConsentKind
from bonta.fhir.codes import base, concept
from bonta.fhir.resources._common import drop_empty, instant, meta, ref


def document_uri(kind: str, version: int, product: str = "") -> str:
    """The identity of one published consent text (kind, product and version are unique
    together). A text worded for the kind's first product (BOTOX Cosmetic, BOTOX) or for none
    keeps the address it had before consent became product-specific."""
    from bonta.consent.guard import DEFAULT_PRODUCT

    if product and product != DEFAULT_PRODUCT.get(kind, ""):
        return f"{base()}/consent-document/{kind}/{product}/{version}"
    return f"{base()}/consent-document/{kind}/{version}"


def to_fhir(consent: Consent) -> dict[str, Any]:
    """`consent` with `document` selected (signature image and typed name are not sent)."""
    document = consent.document
    scope = "photography" if document.kind == ConsentKind.PHOTOGRAPHY else "treatment"
    return drop_empty(
        {
            "resourceType": "Consent",
            "id": str(consent.pk),
            # Signed once; a withdrawal is its only later change.
            "meta": meta(consent.withdrawn_at or consent.signed_at),
            "status": "inactive" if consent.withdrawn_at else "active",
            "scope": concept("consent-scope", scope),
            "category": [concept("consent-kind", document.kind)],
            "patient": ref("Patient", consent.patient_id),
            "dateTime": instant(consent.signed_at),
            "policy": [{"uri": document_uri(document.kind, document.version, document.product)}],
            "sourceAttachment": {"title": f"{document.title} (version {document.version})"},
        }
    )
