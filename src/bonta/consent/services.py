"""Consent use cases: publish a version, sign, withdraw, read (audited) and the PDF copy.

The rule other apps rely on (see `guard`): a consent is *current* for a kind when it is signed
on the latest published version of that kind and not withdrawn. Publishing a new version
therefore requires every patient to sign again before their next sign-off on that pathway.

Who may do what:
- sign on a tablet: the witnessing staff member is signed in (clinician, nurse or reception);
- sign in the portal: the patient's own portal account (role "patient", `bonta.portal`);
- withdraw: any staff member recording the patient's decision, or the patient in the portal;
- read a consent and its PDF: any staff member, or the patient's own portal account;
- publish a new document version: a clinic manager.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from bonta.accounts.models import Role, User
from bonta.audit.log import record
from bonta.consent.guard import DEFAULT_PRODUCT, brand, current_filter
from bonta.consent.guard import consent_product as consent_product  # re-exported for pages
from bonta.consent.models import Channel, Consent, ConsentDocument, ConsentKind, text_sha256
from bonta.consent.signature import signature_png
from bonta.consent.text import MAX_BODY, MAX_TITLE, normalise
from bonta.db.prepared import Statement, field_of
from bonta.domain.errors import InvalidInput
from bonta.records.errors import Conflict, NotAllowed, NotFound
from bonta.records.models import Patient
from bonta.records.services._common import ANY_STAFF, WITNESS, load, require_role, required_text

CONSENT_READ = ANY_STAFF
WITHDRAW = ANY_STAFF
PUBLISH = frozenset({Role.MANAGER})
MAX_NAME = 200
MAX_REASON = 500


@dataclass(frozen=True)
class KindStatus:
    """One row of a patient's consent panel for one kind.

    `document` is the latest published version (None: nothing published), `current` the
    consent that counts (signed on that version, not withdrawn), `earlier` the newest
    not-withdrawn consent on an older version (it no longer counts: re-consent needed).
    """

    kind: str
    label: str
    document: ConsentDocument | None
    current: Consent | None
    earlier: Consent | None
    product: str = ""  # the product the document is worded for ("" for photography)

    @property
    def needs_signature(self) -> bool:
        return self.document is not None and self.current is None


def consent_kind(value: object, field: str = "kind") -> str:
    if value not in ConsentKind.values:
        known = ", ".join(ConsentKind.values)
        raise InvalidInput(field, f"unknown consent kind {value!r} (known: {known})")
    return str(value)


def current_document(kind: str, product: str | None = None) -> ConsentDocument:
    """The latest published version of `kind` worded for `product` (None: the kind's default
    product); unknown kind or product: InvalidInput; none yet: NotFound."""
    kind = consent_kind(kind)
    product = consent_product(kind, product)
    found = latest_document(kind, product)
    if found is None:
        worded = f" worded for {brand(product)}" if product else ""
        raise NotFound(
            f"No {kind.replace('_', ' ')} consent document{worded} has been published yet."
        )
    return found


def latest_document(kind: str, product: str | None = None) -> ConsentDocument | None:
    product = DEFAULT_PRODUCT.get(kind, "") if product is None else product
    return ConsentDocument.objects.filter(kind=kind, product=product).order_by("-version").first()


def current_consent(patient: Patient, kind: str, product: str | None = None) -> Consent | None:
    """The patient's consent on the current version of (`kind`, `product`), if signed and not
    withdrawn (product None: the kind's default product)."""
    kind = consent_kind(kind)
    product = consent_product(kind, product)
    found = _CURRENT_CONSENT.run(kind=str(kind), product=product, patient_id=patient.pk)
    return found[0] if found else None


# Pages run these on every view (compiled once per thread: bonta.db.prepared).
_CURRENT_CONSENT: Statement[Consent] = Statement(
    lambda kind, product, patient_id: (
        Consent.objects.filter(current_filter(kind, product), patient_id=patient_id)
        .select_related("document")
        .order_by("-signed_at")[:1]
    ),
    kind=field_of(ConsentDocument, "kind"),
    product=field_of(ConsentDocument, "product"),
    patient_id=field_of(Consent, "patient"),
)
_EVERY_DOCUMENT: Statement[ConsentDocument] = Statement(
    lambda: ConsentDocument.objects.order_by("kind", "product", "version")
)
_HELD_CONSENTS: Statement[Consent] = Statement(
    lambda patient_id: (
        Consent.objects.filter(patient_id=patient_id, withdrawn_at__isnull=True)
        .select_related("document", "witnessed_by")
        .order_by("-signed_at")
    ),
    patient_id=field_of(Consent, "patient"),
)


def sign_consent(
    patient: Patient,
    *,
    kind: str,
    typed_name: str,
    signature: bytes | str,
    by: User,
    channel: str,
    version: int | None = None,
    product: str | None = None,
) -> Consent:
    """Record the patient's signature on the current version of `kind` worded for `product`
    (None: the kind's default product, BOTOX Cosmetic or BOTOX); audited. The consent covers
    that product only.

    `signature` is PNG bytes or a `data:image/png;base64,…` URL (the signature pad's output).
    On a tablet `by` is the witnessing staff member; in the portal, the patient's own account.
    `version`, when given, is the version the patient was shown: if a newer one has been
    published since, nothing is signed (Conflict). Every check runs before anything is written.
    """
    kind = consent_kind(kind)
    product = consent_product(kind, product)
    channel = _channel(channel)
    _authorise(patient, by, channel, WITNESS, "witness a consent on a tablet")
    name = required_text(typed_name, "typed_name", MAX_NAME)
    png = signature_png(signature)
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).exists()  # one signing at a time
        document = current_document(kind, product)
        if version is not None and int(version) != document.version:
            raise Conflict(
                f"{kind.replace('_', ' ').capitalize()} consent version {document.version} was "
                f"published after version {version} was shown: read the new text and sign "
                "again. Nothing was written."
            )
        signed = Consent.objects.filter(
            patient_id=patient.pk, document=document, withdrawn_at__isnull=True
        ).first()
        if signed is not None:
            raise Conflict(
                f"The patient already has a current consent on {kind.replace('_', ' ')} "
                f"version {document.version} (signed {signed.signed_at:%Y-%m-%d %H:%M} UTC); "
                "nothing was written."
            )
        consent = Consent.objects.create(
            patient=patient,
            document=document,
            typed_name=name,
            signature_png=png,
            signed_at=timezone.now(),
            channel=channel,
            recorded_by=by,
            witnessed_by=by if channel == Channel.TABLET else None,
        )
        record(
            "consent.sign",
            actor=by,
            object_type="consent",
            object_id=consent.pk,
            patient_id=patient.pk,
            detail={
                "kind": kind,
                "version": document.version,
                "channel": channel,
                "product": product,
            },
        )
    return consent


def open_signing(
    patient: Patient, kind: str, *, by: User, product: str | None = None
) -> ConsentDocument:
    """The version a patient is about to read and sign (worded for `product`), for the signing
    page; audited read."""
    kind = consent_kind(kind)
    product = consent_product(kind, product)
    _authorise(patient, by, _by_channel(by), WITNESS, "witness a consent on a tablet")
    with transaction.atomic():
        document = current_document(kind, product)
        record(
            "consent.form",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            detail={"kind": kind, "version": document.version, "product": product},
        )
    return document


def withdraw_consent(consent: Consent, *, by: User, reason: str = "") -> Consent:
    """Record that the patient withdrew this consent (kept on record, no longer current)."""
    _authorise(consent.patient, by, _by_channel(by), WITHDRAW, "record a consent withdrawal")
    reason = str(reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput("reason", f"must be at most {MAX_REASON} characters")
    with transaction.atomic():
        locked = Consent.objects.select_for_update().select_related("document").get(pk=consent.pk)
        if locked.withdrawn_at is not None:
            raise Conflict(
                f"This consent was already withdrawn at {locked.withdrawn_at:%Y-%m-%d %H:%M} UTC; "
                "nothing was changed."
            )
        locked.withdrawn_at, locked.withdrawn_by = timezone.now(), by
        locked.withdrawal_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        record(
            "consent.withdraw",
            actor=by,
            object_type="consent",
            object_id=locked.pk,
            patient_id=locked.patient_id,
            detail={"kind": locked.document.kind, "version": locked.document.version},
        )
    return locked


def get_consent(consent_id: UUID | str, *, by: User) -> Consent:
    """One consent with its document, permission-checked; the read is audited."""
    consent = load(Consent, consent_id, "consent")
    _authorise(consent.patient, by, _by_channel(by), CONSENT_READ, "view consents")
    with transaction.atomic():
        consent = Consent.objects.select_related(
            "document", "patient", "witnessed_by", "recorded_by", "withdrawn_by"
        ).get(pk=consent.pk)
        _audit_read("consent.read", consent, by)
    return consent


def download_consent_pdf(consent_id: UUID | str, *, by: User) -> tuple[Consent, bytes]:
    """The consent and its PDF copy, permission-checked; the download is audited."""
    consent = load(Consent, consent_id, "consent")
    _authorise(consent.patient, by, _by_channel(by), CONSENT_READ, "download consents")
    with transaction.atomic():
        consent = Consent.objects.select_related(
            "document", "patient", "witnessed_by", "recorded_by", "withdrawn_by"
        ).get(pk=consent.pk)
        _audit_read("consent.pdf", consent, by)
    return consent, consent_pdf(consent)


def consent_pdf(consent: Consent) -> bytes:
    """A faithful PDF copy: the exact text and its hash, name, signature, when, how, witness."""
    from bonta.consent.pdf import render  # reportlab is imported only when a PDF is made

    return render(consent)


def patient_consents(patient: Patient, *, by: User) -> list[KindStatus]:
    """Every kind with its latest version and the patient's current consent; audited read."""
    require_role(by, CONSENT_READ, "view consents")
    with transaction.atomic():
        statuses = consent_statuses(patient.pk, every_product=True)
        record(
            "consent.list",
            actor=by,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
        )
    return statuses


def consent_statuses(
    patient_id: UUID,
    *,
    every_product: bool = False,
    wanted: Collection[tuple[str, str]] = (),
) -> list[KindStatus]:
    """Two queries, no audit: for a page whose own read is already audited (the chart).

    One row per kind and product (the default product's first). A product other than the
    kind's default is listed only when
    the patient has signed a consent worded for it, or `every_product` (the staff's consent
    page, where the witness picks the product the patient will receive), or it is in `wanted`
    ((kind, product) pairs: the products of the patient's encounters, say).
    """
    latest: dict[tuple[str, str], ConsentDocument] = {}
    for document in _EVERY_DOCUMENT.run():
        latest[(document.kind, document.product)] = document
    signed = _HELD_CONSENTS.run(patient_id=patient_id)
    current: dict[tuple[str, str], Consent] = {}
    earlier: dict[tuple[str, str], Consent] = {}
    for consent in signed:
        key = (consent.document.kind, consent.document.product)
        is_current = key in latest and consent.document_id == latest[key].pk
        (current if is_current else earlier).setdefault(key, consent)
    rows: list[KindStatus] = []
    for kind in ConsentKind:
        shown = len(rows)
        default = DEFAULT_PRODUCT[kind.value]
        others = {
            p
            for k, p in [*latest, *current, *earlier, *wanted]
            if k == kind.value and p != default and (k, p) in latest
        }
        products = [default, *sorted(others)]
        for product in products:
            key = (kind.value, product)
            if product != default and not (
                every_product or key in current or key in earlier or key in wanted
            ):
                continue
            label = kind.label if not product else f"{kind.label} — {brand(product)}"
            rows.append(
                KindStatus(
                    kind.value,
                    label,
                    latest.get(key),
                    current.get(key),
                    None if key in current else earlier.get(key),
                    product,
                )
            )
        # The default product's row steps aside for a product this patient has signed for or
        # will receive, unless it is itself signed or wanted (a Dysport patient is not asked to
        # sign the BOTOX Cosmetic text).
        key = (kind.value, default)
        if (
            not every_product
            and len(rows) > shown + 1
            and not (key in current or key in earlier or key in wanted)
        ):
            del rows[shown]
    return rows


def treated_products(patient_id: UUID) -> set[tuple[str, str]]:
    """(pathway, product) of the patient's encounters, planned or given: the consents they need
    (a withdrawn consent for a product they are treated with is asked for again)."""
    from bonta.records.models import Encounter

    return set(
        Encounter.objects.filter(patient_id=patient_id).values_list("pathway", "product").distinct()
    )


def history(patient: Patient) -> list[Consent]:
    """Every consent the patient has signed, newest first (for pages that audit their read)."""
    return list(
        Consent.objects.filter(patient_id=patient.pk)
        .select_related("document", "witnessed_by", "withdrawn_by")
        .order_by("-signed_at")
    )


def publish_document(
    *, kind: str, title: str, body: str, by: User, product: str | None = None
) -> ConsentDocument:
    """Publish a new version of `kind` worded for `product` (None: the kind's default): patients
    must sign it before their next sign-off with that product."""
    require_role(by, PUBLISH, "publish consent documents")
    kind = consent_kind(kind)
    product = consent_product(kind, product)
    title = required_text(normalise(title), "title", MAX_TITLE, multiline=True)  # one line: below
    body = required_text(normalise(body), "body", MAX_BODY, multiline=True)
    if "\n" in title:
        raise InvalidInput("title", "must be one line")
    with transaction.atomic():
        document = _publish(kind, title, body, by, product)
        record(
            "consent_document.publish",
            actor=by,
            object_type="consent_document",
            object_id=document.pk,
            detail={"kind": kind, "version": document.version, "product": product},
        )
    return document


def install_shipped_documents() -> list[ConsentDocument]:
    """Publish Bonta's shipped text as version 1 of each kind that has no version yet."""
    from bonta.consent.shipped import shipped_documents

    created = []
    with transaction.atomic():
        have = set(ConsentDocument.objects.values_list("kind", "product"))
        for doc in shipped_documents():
            if (doc.kind, doc.product) not in have:
                created.append(_publish(doc.kind, doc.title, doc.body, None, doc.product))
    return created


# ---- helpers -------------------------------------------------------------------------------


def _publish(
    kind: str, title: str, body: str, by: User | None, product: str = ""
) -> ConsentDocument:
    latest = latest_document(kind, product)
    digest = text_sha256(title, body)
    if latest is not None and latest.sha256 == digest:
        raise Conflict(
            f"This text is identical to {kind.replace('_', ' ')} version {latest.version}; "
            "nothing was published."
        )
    try:
        with transaction.atomic():
            return ConsentDocument.objects.create(
                kind=kind,
                product=product,
                version=(latest.version + 1) if latest else 1,
                title=title,
                body=body,
                sha256=digest,
                published_at=timezone.now(),
                published_by=by,
            )
    except IntegrityError:  # someone published the same version number a moment earlier
        raise Conflict("Another version was published at the same moment; try again.") from None


def _channel(value: object) -> str:
    if value not in Channel.values:
        known = ", ".join(Channel.values)
        raise InvalidInput("channel", f"unknown channel {value!r} (known: {known})")
    return str(value)


def _by_channel(user: User) -> str:
    return Channel.PORTAL if user.role == Role.PATIENT else Channel.TABLET


def _authorise(
    patient: Patient, by: User, channel: str, staff_roles: Collection[str], action: str
) -> None:
    """Staff: `by`'s role must be in `staff_roles`. Portal: `by` must be this patient's account."""
    if channel == Channel.TABLET:
        require_role(by, staff_roles, action)
        return
    if not by.is_active or by.role != Role.PATIENT:
        raise NotAllowed("Only the patient's own portal account can act in the portal.")
    try:
        from bonta.records.actors import patient_of
    except ImportError:
        raise NotAllowed("The patient portal is not installed.") from None
    own = patient_of(by)
    if own is None or own.pk != patient.pk:
        raise NotAllowed("This portal account belongs to another patient.")


def _audit_read(action: str, consent: Consent, by: User) -> None:
    record(
        action,
        actor=by,
        object_type="consent",
        object_id=consent.pk,
        patient_id=consent.patient_id,
        detail={"kind": consent.document.kind, "version": consent.document.version},
    )
