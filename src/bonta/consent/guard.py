"""The sign-off guard: a current consent for the encounter's pathway that covers its products.

A consent document is worded for one product (`ConsentDocument.product`): a treatment consent
names the product the patient will receive and cites that product's label facts. A consent
covers the product of the document signed, nothing else (migration 0005: the BOTOX
Cosmetic-worded cosmetic text covers `botox_cosmetic` only; the chronic-migraine text covers
`botox`, the only product labelled for the pathway).

A consent is *current* for (kind, product) when it is signed on the latest published version of
that kind and product and not withdrawn. Publishing a new version therefore requires re-consent:
the old signatures stay on record (with their exact text) but no longer count.

Kept apart from `services` so `records.services.encounters` can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from bonta.consent.models import Consent, ConsentDocument, ConsentKind
from bonta.db.prepared import Statement, field_of
from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.domain.products import all_products, products_for

# The product a kind's document is worded for when none is named (the text Bonta shipped
# first): links and callers that predate product-specific consent keep their meaning.
DEFAULT_PRODUCT = {
    ConsentKind.COSMETIC.value: "botox_cosmetic",
    ConsentKind.CHRONIC_MIGRAINE.value: "botox",
    ConsentKind.PHOTOGRAPHY.value: "",
}


def brand(code: str) -> str:
    product = all_products().get(code)
    return product.brand if product else code


def consent_product(kind: str, value: object, field: str = "product") -> str:
    """The product a (kind) document is for: a product labelled for the kind's pathway; the
    kind's default when none is given; "" for a kind about no product (photography)."""
    text = str(value or "").strip()
    if kind not in (ConsentKind.COSMETIC, ConsentKind.CHRONIC_MIGRAINE):
        if text:
            raise InvalidInput(field, f"a {kind.replace('_', ' ')} consent names no product")
        return ""
    if not text:
        return DEFAULT_PRODUCT[kind]
    labelled = [p.code for p in products_for(Pathway(kind))]
    if text not in labelled:
        raise InvalidInput(
            field,
            f"{text!r} is not a product labelled for the {kind.replace('_', ' ')} pathway "
            f"(labelled: {', '.join(labelled)})",
        )
    return text


class ConsentRequired(InvalidInput):
    """Sign-off refused: no current consent for the encounter's pathway that covers the product
    (field `consent`)."""

    def __init__(
        self,
        kind: str,
        version: int | None,
        product: str = "",
        held: Iterable[tuple[int, str]] = (),
    ) -> None:
        what = kind.replace("_", " ")  # "cosmetic", "chronic migraine", "photography"
        name = brand(product)
        held = sorted(held)
        plain = not held and product in ("", DEFAULT_PRODUCT.get(kind, ""))
        if version is None:
            message = (
                f"No current consent for the {what} pathway covers {name}: no {what} consent "
                f"document worded for {name} is published yet (a manager publishes one), so the "
                "patient cannot sign before sign-off."
                if not plain
                else f"No current consent for the {what} pathway: no consent document is "
                "published for it yet (a manager publishes one), so the patient cannot sign "
                "before sign-off."
            )
        elif plain:
            message = (
                f"No current consent for the {what} pathway: the patient must sign consent "
                f"version {version} before sign-off."
            )
        else:
            message = (
                f"No current consent for the {what} pathway covers {name}, which this plan uses"
            )
            if held:
                covers = ", ".join(sorted({brand(p) for _, p in held}))
                message += f" (the patient's current {what} consent covers only {covers})"
            message += (
                f": the patient must sign consent version {version} (the {what} consent worded "
                f"for {name}) before sign-off."
            )
        super().__init__("consent", message)
        self.kind = kind
        self.version = version
        self.product = product


def latest_document_id(kind: str, product: str | None = None) -> Subquery:
    """The id of the latest published version of (`kind`, `product`) (SQL, for one query)."""
    product = DEFAULT_PRODUCT.get(kind, "") if product is None else product
    return Subquery(
        ConsentDocument.objects.filter(kind=kind, product=product)
        .order_by("-version")
        .values("pk")[:1]
    )


def current_filter(kind: str, product: str | None = None) -> Q:
    """Consents current for (`kind`, `product`) (add the patient): latest version, not withdrawn."""
    return Q(document_id=latest_document_id(kind, product), withdrawn_at__isnull=True)


def has_current_consent(patient_id: UUID, kind: str, product: str | None = None) -> bool:
    """One query: does this patient have a current consent of this kind for this product?"""
    return Consent.objects.filter(current_filter(kind, product), patient_id=patient_id).exists()


def _documents_signed(kind: str, patient_id: UUID) -> QuerySet[ConsentDocument]:
    """Every version of `kind`, each annotated `signed`: does the patient hold it, not withdrawn."""
    signed_here = Consent.objects.filter(
        document_id=OuterRef("pk"), patient_id=patient_id, withdrawn_at__isnull=True
    )
    return (
        ConsentDocument.objects.filter(kind=kind)
        .annotate(signed=Exists(signed_here))
        .only("product", "version")
        .order_by("product", "version")
    )


# Sign-off runs it every time (compiled once: bonta.db.prepared).
_DOCUMENTS_SIGNED: Statement[ConsentDocument] = Statement(
    _documents_signed,
    kind=field_of(ConsentDocument, "kind"),
    patient_id=field_of(Consent, "patient"),
)


def require_current_consent(patient_id: UUID, pathway: str, products: Iterable[str]) -> None:
    """Raise ConsentRequired unless the patient's current consents for `pathway` cover every
    product the plan uses (no product named: the pathway's default product). Two queries."""
    wanted = sorted(set(products)) or [DEFAULT_PRODUCT.get(pathway, "")]
    latest: dict[str, ConsentDocument] = {}  # product -> its latest version, signed or not
    documents = _DOCUMENTS_SIGNED.run(kind=pathway, patient_id=patient_id)
    for document in documents:  # one query: every version of the kind, signed or not
        latest[document.product] = document
    held = [(d.version, d.product) for d in latest.values() if d.signed]  # type: ignore[attr-defined]
    covered = {p for _, p in held}
    for product in wanted:
        if product in covered:
            continue
        document = latest.get(product)
        raise ConsentRequired(pathway, document.version if document else None, product, held)
