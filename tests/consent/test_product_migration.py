"""Consents signed before product-specific consent keep covering what they covered (0005)."""

from __future__ import annotations

import hashlib

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bonta.consent.guard import ConsentRequired, require_current_consent
from bonta.consent.models import Consent, ConsentDocument
from records.clinic import make_patient, make_user, signature_png

BEFORE = [("consent", "0003_install_shipped_documents")]
AFTER = [("consent", "0006_install_product_consent_documents")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_old_consents_cover_the_product_their_text_was_worded_for() -> None:
    clinician = make_user("dr_old", "clinician")
    patient = make_patient(clinician, "O-001", consents=())
    Consent.objects.all().delete()
    ConsentDocument.objects.all().delete()
    try:
        old = _migrate(BEFORE)
        Document = old.get_model("consent", "ConsentDocument")
        OldConsent = old.get_model("consent", "Consent")
        for kind in ("cosmetic", "chronic_migraine", "photography"):
            title, body = f"{kind} text", "Old text."
            document = Document.objects.create(
                kind=kind,
                version=1,
                title=title,
                body=body,
                sha256=hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest(),
                published_at=timezone.now(),
            )
            OldConsent.objects.create(
                patient_id=patient.pk,
                document=document,
                typed_name="Old Signer",
                signature_png=signature_png(),
                signed_at=timezone.now(),
                channel="tablet",
                recorded_by_id=clinician.pk,
                witnessed_by_id=clinician.pk,
            )

        _migrate(AFTER)
        marked = dict(
            ConsentDocument.objects.filter(title__endswith=" text").values_list("kind", "product")
        )
        assert marked == {
            "cosmetic": "botox_cosmetic",
            "chronic_migraine": "botox",
            "photography": "",
        }
        # The old cosmetic consent covers BOTOX Cosmetic and nothing else; the old migraine
        # consent covers BOTOX.
        require_current_consent(patient.pk, "cosmetic", {"botox_cosmetic"})
        require_current_consent(patient.pk, "chronic_migraine", {"botox"})
        with pytest.raises(ConsentRequired, match="covers Dysport"):
            require_current_consent(patient.pk, "cosmetic", {"dysport"})
        # The product texts are installed beside the clinic's own (version 1 each) …
        assert ConsentDocument.objects.filter(kind="cosmetic").count() == 6
        # … and the database refuses changes to a published document again.
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE consent_consentdocument SET body = 'changed'")
    finally:
        Consent.objects.all().delete()
        executor = MigrationExecutor(connection)  # back to the latest state for the other tests
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
