"""Consent pages: the chart panel, signing on a tablet, withdrawal, PDF, documents."""

from __future__ import annotations

import pytest
from django.test import Client

from bonta.audit.models import AuditEvent
from bonta.consent import services
from bonta.consent.models import Consent, ConsentDocument
from consent.helpers import blank_canvas, data_url, signature_png

pytestmark = pytest.mark.django_db


def sign_url(patient, kind: str = "cosmetic") -> str:
    return f"/consent/patients/{patient.pk}/sign/{kind}/"


def test_the_chart_shows_the_current_consent_per_kind(as_grey: Client, alice) -> None:
    html = as_grey.get(f"/patients/{alice.pk}/").content.decode()
    assert 'aria-labelledby="consent-h"' in html
    # Alice signed for chronic migraine and for each of the 6 cosmetic products, not photography.
    assert html.count("consent-current") == 7
    assert "Sign on tablet" in html  # for photography
    cosmetic = services.current_consent(alice, "cosmetic")
    assert f"/consent/{cosmetic.pk}/pdf/" in html
    assert f"/consent/{cosmetic.pk}/withdraw/" in html


def test_the_chart_says_which_version_needs_signing_after_a_new_one(
    as_grey: Client, alice, max_manager
) -> None:
    services.publish_document(kind="cosmetic", title="Cosmetic v2", body="New.", by=max_manager)
    html = as_grey.get(f"/patients/{alice.pk}/").content.decode()
    assert "signed version 1 only: version 2 needs signing" in html


def test_the_tablet_page_shows_the_exact_text_the_name_field_and_the_pad(
    as_noor: Client, bob
) -> None:
    response = as_noor.get(sign_url(bob, "chronic_migraine"))
    html = response.content.decode()
    document = services.current_document("chronic_migraine")
    assert response.status_code == 200
    assert document.title in html
    assert document.sha256 in html
    assert "31 injections into 7 areas" in html
    assert 'name="typed_name"' in html
    assert 'name="signature"' in html
    assert "data-signature-pad" in html
    assert "<canvas" in html
    assert "/static/bonta/signature.js" in html
    assert "<script>" not in html
    assert "style=" not in html
    assert AuditEvent.objects.filter(action="consent.form", patient_id=bob.pk).exists()


def test_signing_on_the_tablet_makes_the_consent_current(as_noor: Client, bob, nurse_noor) -> None:
    response = as_noor.post(
        sign_url(bob) + "?next=/patients/",
        {"typed_name": "Bob Baker", "signature": data_url(signature_png()), "version": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/patients/"
    consent = services.current_consent(bob, "cosmetic")
    assert (consent.witnessed_by, consent.typed_name) == (nurse_noor, "Bob Baker")


def test_a_next_url_elsewhere_is_ignored(as_noor: Client, bob) -> None:
    response = as_noor.post(
        sign_url(bob) + "?next=https://evil.example/",
        {"typed_name": "Bob Baker", "signature": data_url(signature_png()), "version": "1"},
    )
    assert response["Location"] == f"/consent/patients/{bob.pk}/"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"typed_name": "Bob Baker", "signature": ""}, "is required: draw your signature"),
        ({"typed_name": "Bob Baker", "signature": data_url(blank_canvas())}, "is blank"),
        ({"typed_name": "Bob Baker", "signature": "hello"}, "must be a PNG image"),
        ({"typed_name": "", "signature": data_url(signature_png())}, "type your full name"),
    ],
    ids=["no-signature", "blank-canvas", "not-png", "no-name"],
)
def test_a_consent_without_a_valid_signature_or_name_re_renders_with_the_error(
    as_noor: Client, bob, data, error
) -> None:
    before = AuditEvent.objects.exclude(action="consent.form").count()
    response = as_noor.post(sign_url(bob), {**data, "version": "1"})
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not Consent.objects.exists()
    assert AuditEvent.objects.exclude(action="consent.form").count() == before


def test_a_good_signature_is_kept_when_only_the_name_is_missing(as_noor: Client, bob) -> None:
    drawn = data_url(signature_png())
    html = as_noor.post(sign_url(bob), {"typed_name": "", "signature": drawn}).content.decode()
    assert f'value="{drawn}"' in html


def test_a_manager_cannot_open_the_tablet_page(as_max: Client, bob) -> None:
    assert as_max.get(sign_url(bob)).status_code == 403
    assert as_max.post(sign_url(bob), {"typed_name": "X"}).status_code == 403
    assert not Consent.objects.exists()


def test_reception_witnesses_on_the_tablet(as_rita: Client, bob, rita_reception) -> None:
    response = as_rita.post(
        sign_url(bob, "photography"),
        {"typed_name": "Bob Baker", "signature": data_url(signature_png()), "version": "1"},
    )
    assert response.status_code == 302
    assert services.current_consent(bob, "photography").witnessed_by == rita_reception


def test_a_stale_page_does_not_sign_a_newer_version(as_noor: Client, bob, max_manager) -> None:
    services.publish_document(kind="cosmetic", title="Cosmetic v2", body="New.", by=max_manager)
    response = as_noor.post(
        sign_url(bob),
        {"typed_name": "Bob Baker", "signature": data_url(signature_png()), "version": "1"},
        follow=True,
    )
    assert "version 2 was published after version 1 was shown" in response.content.decode()
    assert not Consent.objects.exists()


def test_the_pdf_downloads_as_an_attachment_and_is_audited(as_rita: Client, alice) -> None:
    consent = services.current_consent(alice, "cosmetic")
    response = as_rita.get(f"/consent/{consent.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Alice" not in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="consent.pdf", object_id=str(consent.pk)).exists()


def test_an_unknown_consent_is_a_404(as_grey: Client) -> None:
    response = as_grey.get("/consent/00000000-0000-0000-0000-000000000000/pdf/")
    assert response.status_code == 404


def test_withdrawing_from_the_page(as_noor: Client, alice) -> None:
    consent = services.current_consent(alice, "cosmetic")
    page = as_noor.get(f"/consent/{consent.pk}/withdraw/")
    assert "Record the withdrawal" in page.content.decode()
    response = as_noor.post(f"/consent/{consent.pk}/withdraw/", {"reason": "Moving abroad"})
    assert response.status_code == 302
    assert services.current_consent(alice, "cosmetic") is None
    assert Consent.objects.get(pk=consent.pk).withdrawal_reason == "Moving abroad"


def test_the_patients_consent_page_lists_every_signature(as_max: Client, alice) -> None:
    response = as_max.get(f"/consent/patients/{alice.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("In force") == 7
    assert AuditEvent.objects.filter(action="consent.list", patient_id=alice.pk).exists()


def test_a_manager_publishes_a_new_version_from_the_page(as_max: Client) -> None:
    form = as_max.get("/consent/documents/publish/cosmetic/").content.decode()
    assert services.current_document("cosmetic").title in form  # pre-filled to edit
    response = as_max.post(
        "/consent/documents/publish/cosmetic/",
        {"title": "Cosmetic consent, clinic edition", "body": "## Intro\nOur text [1]."},
    )
    assert response.status_code == 302
    assert services.current_document("cosmetic").version == 2
    listing = as_max.get("/consent/documents/").content.decode()
    assert "Cosmetic consent, clinic edition" in listing


def test_only_a_manager_may_publish_from_the_page(as_grey: Client) -> None:
    response = as_grey.post("/consent/documents/publish/cosmetic/", {"title": "T", "body": "B"})
    assert response.status_code == 403
    assert ConsentDocument.objects.count() == 8


def test_a_published_version_reads_with_its_sources(as_rita: Client) -> None:
    document = services.current_document("cosmetic")
    html = as_rita.get(f"/consent/documents/{document.pk}/").content.decode()
    assert "Sources" in html
    assert 'href="https://api.fda.gov/drug/label.json' in html
