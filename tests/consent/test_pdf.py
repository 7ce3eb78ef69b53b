"""The PDF copy: a faithful copy of the exact version signed; downloads are checked and audited."""

from __future__ import annotations

import pytest

from bonta.audit.models import AuditEvent
from bonta.consent import services
from bonta.records.errors import NotAllowed

pytestmark = pytest.mark.django_db


def test_the_pdf_is_a_pdf_carrying_the_version_hash(alice) -> None:
    consent = services.current_consent(alice, "chronic_migraine")
    data = services.consent_pdf(consent)
    assert data.startswith(b"%PDF")
    assert consent.document.sha256.encode() in data
    assert b"/Type /XObject" in data
    assert b"/Subtype /Image" in data


def test_a_withdrawn_consent_prints_as_withdrawn(alice, nurse_noor) -> None:
    consent = services.current_consent(alice, "cosmetic")
    before = services.consent_pdf(consent)
    services.withdraw_consent(consent, by=nurse_noor)
    consent.refresh_from_db()
    assert services.consent_pdf(consent) != before


@pytest.mark.parametrize("persona", ["dr_grey", "nurse_noor", "rita_reception", "max_manager"])
def test_staff_download_the_pdf_and_the_download_is_audited(alice, persona, request) -> None:
    user = request.getfixturevalue(persona)
    consent = services.current_consent(alice, "cosmetic")
    found, data = services.download_consent_pdf(consent.pk, by=user)
    assert found == consent
    assert data.startswith(b"%PDF")
    event = AuditEvent.objects.filter(action="consent.pdf").get()
    assert (event.actor_id, event.patient_id, event.object_id) == (
        user.pk,
        alice.pk,
        str(consent.pk),
    )
    assert event.detail == {"kind": "cosmetic", "version": 1}


def test_an_inactive_user_cannot_download(alice, nurse_noor) -> None:
    nurse_noor.is_active = False
    nurse_noor.save()
    consent = services.current_consent(alice, "cosmetic")
    with pytest.raises(NotAllowed):
        services.download_consent_pdf(consent.pk, by=nurse_noor)
    assert not AuditEvent.objects.filter(action="consent.pdf").exists()
