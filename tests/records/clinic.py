"""Personas and builders shared by the records, audit and API tests.

Dr Grey is a clinician (signs, overrides), Dr Okafor a second clinician (countersigns), Noor
a nurse (plans, records), Rita works reception (registers patients, sees no clinical data),
Max manages the clinic (reads, keeps stock).
Alice is an adult patient with no safety flags. Every patient made here has signed current
consents for both pathways (witnessed on a tablet) unless `consents=()` says otherwise, since
sign-off refuses without one.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache

import pytest
from PIL import Image, ImageDraw

from bonta.accounts.models import Role, User
from bonta.consent import services as consent
from bonta.consent.shipped import shipped_documents
from bonta.records import services
from bonta.records.models import Encounter, Patient, Vial

SESSION_AT = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
FAR_EXPIRY = date(2030, 1, 1)


def make_user(username: str, role: str) -> User:
    # No password: these personas use the services or API tokens, and hashing is slow.
    user = User(username=username, role=role)
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture
def dr_grey(db: None) -> User:
    return make_user("dr_grey", Role.CLINICIAN)


@pytest.fixture
def dr_okafor(db: None) -> User:
    """A second clinician: countersigns Dr Grey's overrides where a block needs it."""
    return make_user("dr_okafor", Role.CLINICIAN)


@pytest.fixture
def nurse_noor(db: None) -> User:
    return make_user("nurse_noor", Role.NURSE)


@pytest.fixture
def rita_reception(db: None) -> User:
    return make_user("rita", Role.RECEPTION)


@pytest.fixture
def max_manager(db: None) -> User:
    return make_user("max", Role.MANAGER)


BOTH_PATHWAYS = ("cosmetic", "chronic_migraine")


@cache
def signature_png() -> bytes:
    """A small drawn signature: a dark zig-zag on white, as the signature pad would send."""
    image = Image.new("RGB", (240, 80), "white")
    ImageDraw.Draw(image).line([(20, 60), (70, 20), (120, 60), (170, 20), (220, 60)], "black", 3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def give_consents(patient: Patient, by: User, kinds: Sequence[str] = BOTH_PATHWAYS) -> None:
    """Current consents for `kinds`, signed on a tablet and witnessed by `by` (or a nurse):
    for each kind, one consent per product a shipped text is worded for (a consent covers only
    its product), so personas may be treated with any product labelled for the pathway."""
    if not kinds:
        return
    consent.install_shipped_documents()  # a flushed (transactional) test database has none
    witness = by if by.role in consent.WITNESS else _witness()
    for kind in kinds:
        for product in sorted({d.product for d in shipped_documents() if d.kind == kind}):
            consent.sign_consent(
                patient,
                kind=kind,
                typed_name=f"{patient.given_name} {patient.family_name}",
                signature=signature_png(),
                by=witness,
                channel="tablet",
                product=product or None,
            )


def _witness() -> User:
    return User.objects.filter(username="consent_witness").first() or make_user(
        "consent_witness", Role.NURSE
    )


def make_patient(
    by: User,
    record_number: str = "A-001",
    *,
    consents: Sequence[str] = BOTH_PATHWAYS,
    **kwargs: object,
) -> Patient:
    """A patient with current consents for both pathways (`consents=()`: none, for the guard)."""
    fields: dict[str, object] = {
        "given_name": "Alice",
        "family_name": "Archer",
        "birth_date": date(1985, 5, 17),
        "sex": "female",
    }
    fields.update(kwargs)
    patient = services.create_patient(by=by, record_number=record_number, **fields)  # type: ignore[arg-type]
    give_consents(patient, by, consents)
    return patient


@pytest.fixture
def alice(dr_grey: User) -> Patient:
    return make_patient(dr_grey)


def make_vial(
    by: User,
    product: str = "botox_cosmetic",
    size_units: str = "100",
    diluent_ml: str | None = "2.5",
    lot: str = "C1234",
    reconstituted_at: datetime | None = SESSION_AT - timedelta(hours=1),
    expiry: date = FAR_EXPIRY,
) -> Vial:
    return services.register_vial(
        by=by,
        product=product,
        lot=lot,
        expiry=expiry,
        size_units=size_units,
        diluent_ml=diluent_ml,
        reconstituted_at=reconstituted_at if diluent_ml else None,
    )


def glabellar_session(
    patient: Patient, by: User, vial: Vial, at: datetime = SESSION_AT
) -> Encounter:
    """A cosmetic draft: BOTOX Cosmetic, glabellar lines protocol, 5 × 4 U (label, §2.2)."""
    return services.open_encounter(
        patient,
        by=by,
        pathway="cosmetic",
        product="botox_cosmetic",
        at=at,
        protocol="glabellar_lines",
        vial=vial.pk,
    )


def preempt_session(patient: Patient, by: User, vial: Vial, at: datetime = SESSION_AT) -> Encounter:
    """A chronic-migraine draft: BOTOX, PREEMPT fixed-site 31 × 5 U = 155 U (label, §1.2)."""
    return services.open_encounter(
        patient,
        by=by,
        pathway="chronic_migraine",
        product="botox",
        at=at,
        protocol="preempt_fixed_site",
        vial=vial.pk,
    )


def injections(*items: tuple[str, str, str]) -> Sequence[services.InjectionInput]:
    return [services.InjectionInput(m, s, u) for m, s, u in items]


def overriding(
    findings: Sequence[object], note: str = "test history"
) -> list[services.OverrideInput]:
    """An override with a coded reason for each clinical block in `findings` (hard stops never
    take one), so a test can build history that a label limit would otherwise block."""
    blocks = dict.fromkeys(
        f.code  # type: ignore[attr-defined]
        for f in findings
        if getattr(f, "kind", None) is not None and f.kind.value == "clinical_block"  # type: ignore[attr-defined]
    )
    return [services.OverrideInput(code, "documented_clinical_need", note) for code in blocks]


def codes(findings: Sequence[object]) -> set[str]:
    return {f.code for f in findings}  # type: ignore[attr-defined]


def units(value: str) -> Decimal:
    return Decimal(value)
