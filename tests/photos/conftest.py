"""Photo fixtures: the records personas, a photography consent, and a clean data dir.

Alice has current consents for both treatment pathways (records.clinic.make_patient) and, with
the `photo_consent` fixture, for photography too. Every test gets its own DATA_DIR, so the files
a test finds under DATA_DIR/photos are the ones it wrote.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.consent.models import Consent
from bonta.photos import storage
from bonta.photos.models import Photo
from bonta.records.models import Patient
from records import clinic
from records.clinic import give_consents

dr_grey = clinic.dr_grey
nurse_noor = clinic.nurse_noor
rita_reception = clinic.rita_reception
max_manager = clinic.max_manager
alice = clinic.alice


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def photo_consent(alice: Patient, nurse_noor: User) -> Consent:
    give_consents(alice, nurse_noor, ("photography",))
    return alice.consents.get(document__kind="photography")


def files_on_disk() -> list[Path]:
    """Everything under DATA_DIR/photos, temp files included."""
    root = storage.photos_dir()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def nothing_written() -> None:
    assert Photo.objects.count() == 0
    assert files_on_disk() == []
    assert not AuditEvent.objects.filter(action="photo.create").exists()
