"""Passport fixtures: Alice treated here twice (cosmetic), and "Northside", another clinic with
its own Ed25519 key, whose passport for Alice's namesake Ann we import."""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from PIL import Image, ImageFilter

from bonta.accounts.models import Role, User
from bonta.passport import codec
from bonta.passport.services import Passport, passport_data
from bonta.portal.models import PortalAccount
from bonta.records import services
from bonta.records.models import Patient
from records import clinic
from records.clinic import SESSION_AT, glabellar_session, make_patient, make_user, make_vial

dr_grey = clinic.dr_grey
nurse_noor = clinic.nurse_noor
rita_reception = clinic.rita_reception
max_manager = clinic.max_manager


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_grey(dr_grey: User) -> Client:
    return client_for(dr_grey)


@pytest.fixture
def as_max(max_manager: User) -> Client:
    return client_for(max_manager)


@pytest.fixture
def as_rita(rita_reception: User) -> Client:
    return client_for(rita_reception)


@pytest.fixture
def treated(dr_grey: User) -> Patient:
    """Alice: two signed glabellar sessions here (lots G-1, G-2), 20 U each, 120 days apart."""
    alice = make_patient(dr_grey, "A-001")
    services.sign_encounter(
        glabellar_session(alice, dr_grey, make_vial(dr_grey, lot="G-1")), dr_grey
    )
    later = SESSION_AT + timedelta(days=120)
    vial = make_vial(dr_grey, lot="G-2", reconstituted_at=later - timedelta(hours=1))
    services.sign_encounter(glabellar_session(alice, dr_grey, vial, at=later), dr_grey)
    return alice


@pytest.fixture
def arriving(dr_grey: User) -> Patient:
    """Ann, new to this clinic, born the same day as Alice (the passport's person)."""
    return make_patient(dr_grey, "N-100", given_name="Ann", family_name="Archer")


@pytest.fixture
def northside_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def northside_passport(
    patient: Patient, key: Ed25519PrivateKey, today: date = date(2025, 8, 1)
) -> Passport:
    """The passport another Bonta ("Northside") would issue for `patient`'s record."""
    data = passport_data(patient, today)
    data["i"]["n"] = "Northside Clinic"
    data["c"][0] = "Northside Clinic"
    return Passport(
        data=data,
        text=codec.encode(data, key),
        totals=[],
        fingerprint=codec.fingerprint(key.public_key()),
    )


@pytest.fixture
def portal_alice(treated: Patient) -> Client:
    user = make_user("alice_portal", Role.PATIENT)
    PortalAccount.objects.create(user=user, patient=treated)
    return client_for(user)


def photo_of(
    pdf: bytes, megapixels: float = 1.0, rotate: float = 3.0, blur: float = 0.8
) -> Image.Image:
    """The printed page photographed: rendered at 150 dpi, scaled to ~1 MP, turned, blurred."""
    renderer = shutil.which("pdftoppm")
    if renderer is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "p.pdf"
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603 - fixed arguments
            [renderer, "-r", "150", "-png", "-singlefile", str(source), f"{folder}/page"],
            check=True,
        )
        page = Image.open(f"{folder}/page.png").convert("RGB")
    scale = math.sqrt(megapixels * 1_000_000 / (page.width * page.height))
    small = page.resize(
        (round(page.width * scale), round(page.height * scale)), Image.Resampling.LANCZOS
    )
    return small.rotate(rotate, expand=True, fillcolor="white").filter(
        ImageFilter.GaussianBlur(blur)
    )


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
