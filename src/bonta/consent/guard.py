"""The sign-off guard: a patient needs a current consent for the encounter's pathway.

A consent is *current* for a kind when it is signed on the latest published version of that
kind's document and not withdrawn. Publishing a new version therefore requires re-consent:
the old signatures stay on record (with their exact text) but no longer count.

Kept apart from `services` so `records.services.encounters` can import it without a cycle.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, Subquery

from bonta.consent.models import Consent, ConsentDocument
from bonta.domain.errors import InvalidInput


class ConsentRequired(InvalidInput):
    """Sign-off refused: no current consent for the encounter's pathway (field `consent`)."""

    def __init__(self, kind: str, version: int | None) -> None:
        what = kind.replace("_", " ")  # "cosmetic", "chronic migraine", "photography"
        if version is None:
            message = (
                f"No current consent for the {what} pathway: no consent document is published "
                "for it yet (a manager publishes one), so the patient cannot sign before sign-off."
            )
        else:
            message = (
                f"No current consent for the {what} pathway: the patient must sign consent "
                f"version {version} before sign-off."
            )
        super().__init__("consent", message)
        self.kind = kind
        self.version = version


def latest_document_id(kind: str) -> Subquery:
    """The id of the latest published version of `kind` (SQL, for use inside one query)."""
    return Subquery(ConsentDocument.objects.filter(kind=kind).order_by("-version").values("pk")[:1])


def current_filter(kind: str) -> Q:
    """Consents that are current for `kind` (add the patient): latest version, not withdrawn."""
    return Q(document_id=latest_document_id(kind), withdrawn_at__isnull=True)


def has_current_consent(patient_id: UUID, kind: str) -> bool:
    """One query: does this patient have a current consent of this kind?"""
    return Consent.objects.filter(current_filter(kind), patient_id=patient_id).exists()


def require_current_consent(patient_id: UUID, pathway: str) -> None:
    """Raise ConsentRequired unless the patient has a current consent for `pathway`."""
    if has_current_consent(patient_id, pathway):
        return
    latest = ConsentDocument.objects.filter(kind=pathway).order_by("-version").first()
    raise ConsentRequired(pathway, latest.version if latest else None)
