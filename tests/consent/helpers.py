"""Images for the signature checks, and a portal account for the portal-channel tests."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from bonta.accounts.models import Role, User
from bonta.records.models import Patient
from records.clinic import make_user, signature_png

__all__ = ["blank_canvas", "data_url", "png", "portal_account", "signature_png"]


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def blank_canvas() -> bytes:
    """What an untouched signature pad sends: a fully transparent 600 × 200 PNG."""
    return png(Image.new("RGBA", (600, 200), (0, 0, 0, 0)))


def portal_account(patient: Patient, username: str) -> User:
    """A patient-role user linked to `patient` (skips when bonta.portal is not installed)."""
    models = pytest.importorskip("bonta.portal.models")
    user = make_user(username, Role.PATIENT)
    models.PortalAccount.objects.create(user=user, patient=patient)
    return user
