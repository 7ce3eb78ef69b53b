"""Signing, the "current consent" rule, withdrawal, the portal channel, and the audit."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from bonta.audit.models import AuditEvent
from bonta.consent import services
from bonta.consent.models import Consent
from bonta.consent.signature import MAX_BYTES
from bonta.domain.errors import InvalidInput
from bonta.records.errors import Conflict, NotAllowed
from consent.helpers import blank_canvas, data_url, png, portal_account, signature_png

pytestmark = pytest.mark.django_db


def sign(patient, by, kind: str = "cosmetic", **overrides) -> Consent:
    values = {
        "kind": kind,
        "typed_name": "Bob Baker",
        "signature": signature_png(),
        "by": by,
        "channel": "tablet",
    }
    values.update(overrides)
    return services.sign_consent(patient, **values)


@pytest.fixture
def nothing_written() -> Callable[[], None]:
    before = (Consent.objects.count(), AuditEvent.objects.count())
    return lambda: (Consent.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("persona", ["dr_grey", "nurse_noor", "rita_reception"])
def test_a_staff_member_witnesses_a_signature_on_a_tablet(bob, persona, request) -> None:
    witness = request.getfixturevalue(persona)
    consent = sign(bob, witness)
    stored = Consent.objects.get(pk=consent.pk)
    assert stored.document == services.current_document("cosmetic")
    assert (stored.typed_name, stored.channel) == ("Bob Baker", "tablet")
    assert (stored.witnessed_by, stored.recorded_by) == (witness, witness)
    assert bytes(stored.signature_png) == signature_png()
    assert services.current_consent(bob, "cosmetic") == consent
    assert services.current_consent(bob, "chronic_migraine") is None


def test_the_signature_may_come_as_the_pads_data_url(bob, nurse_noor) -> None:
    consent = sign(bob, nurse_noor, signature=data_url(signature_png()))
    assert bytes(Consent.objects.get(pk=consent.pk).signature_png) == signature_png()


def test_signing_is_audited_without_patient_data(bob, nurse_noor) -> None:
    consent = sign(bob, nurse_noor, kind="chronic_migraine")
    event = AuditEvent.objects.get(action="consent.sign")
    assert (event.object_id, event.patient_id, event.actor_id) == (
        str(consent.pk),
        bob.pk,
        nurse_noor.pk,
    )
    assert event.detail == {
        "kind": "chronic_migraine",
        "version": 1,
        "channel": "tablet",
        "product": "botox",
    }


def test_a_manager_cannot_witness(bob, max_manager, nothing_written) -> None:
    with pytest.raises(NotAllowed, match="witness"):
        sign(bob, max_manager)
    assert nothing_written()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"typed_name": "  "}, "typed_name", "is required"),
        ({"typed_name": "x" * 201}, "typed_name", "at most 200"),
        ({"signature": ""}, "signature", "is required"),
        ({"signature": b""}, "signature", "is required"),
        ({"signature": None}, "signature", "is required"),
        ({"kind": "dental"}, "kind", "unknown consent kind"),
        ({"channel": "fax"}, "channel", "unknown channel"),
    ],
)
def test_missing_or_unknown_values_are_refused_by_field(
    bob, nurse_noor, nothing_written, overrides, field, message
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        sign(bob, nurse_noor, **overrides)
    assert refused.value.field == field
    assert nothing_written()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (240, 80), "white").save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (blank_canvas(), "is blank"),
        (png(Image.new("RGB", (600, 200), "white")), "is blank"),
        (_jpeg(), "must be a PNG"),
        (b"GIF89a not a png at all", "must be a PNG"),
        ("data:image/jpeg;base64,/9j/4AAQ", "must be a PNG"),
        ("data:image/png;base64,###", "not valid base64"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "not a readable PNG"),
        (png(Image.new("RGB", (4000, 200), "white")), "pixels"),
        (png(Image.new("RGB", (20, 10), "black")), "pixels"),
        (b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES), "too large"),
        (data_url(bytes(MAX_BYTES * 2)), "too large"),
    ],
    ids=[
        "blank-canvas",
        "white-image",
        "jpeg",
        "gif-bytes",
        "jpeg-data-url",
        "bad-base64",
        "truncated-png",
        "too-wide",
        "too-small",
        "oversized-bytes",
        "oversized-data-url",
    ],
)
def test_a_signature_must_be_a_drawn_png_of_bounded_size(
    bob, nurse_noor, nothing_written, signature, message
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        sign(bob, nurse_noor, signature=signature)
    assert refused.value.field == "signature"
    assert nothing_written()


def test_a_dot_is_not_a_signature(bob, nurse_noor) -> None:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    for x in range(300, 306):
        for y in range(100, 106):
            image.putpixel((x, y), (0, 0, 0, 255))
    with pytest.raises(InvalidInput, match="is blank"):
        sign(bob, nurse_noor, signature=png(image))


def test_a_consent_is_current_only_on_the_latest_version(bob, nurse_noor, max_manager) -> None:
    first = sign(bob, nurse_noor)
    services.publish_document(kind="cosmetic", title="Cosmetic v2", body="New.", by=max_manager)
    assert services.current_consent(bob, "cosmetic") is None  # a new version needs re-consent
    second = sign(bob, nurse_noor)
    assert second.document.version == 2
    assert services.current_consent(bob, "cosmetic") == second
    assert Consent.objects.get(pk=first.pk).document.version == 1  # the old text is kept


def test_signing_twice_on_the_same_version_is_refused(bob, nurse_noor) -> None:
    sign(bob, nurse_noor)
    with pytest.raises(Conflict, match="already has a current consent on cosmetic version 1"):
        sign(bob, nurse_noor)
    assert Consent.objects.filter(patient=bob).count() == 1


def test_the_version_shown_must_still_be_current_when_signing(bob, nurse_noor, max_manager) -> None:
    services.publish_document(kind="cosmetic", title="Cosmetic v2", body="New.", by=max_manager)
    with pytest.raises(Conflict, match="version 2 was published after version 1 was shown"):
        sign(bob, nurse_noor, version=1)
    assert not Consent.objects.filter(patient=bob).exists()


def test_a_withdrawn_consent_is_not_current_and_withdrawal_is_audited(
    bob, nurse_noor, rita_reception
) -> None:
    consent = sign(bob, nurse_noor)
    withdrawn = services.withdraw_consent(consent, by=rita_reception, reason="Changed her mind")
    assert (withdrawn.withdrawn_by, withdrawn.withdrawal_reason) == (
        rita_reception,
        "Changed her mind",
    )
    assert services.current_consent(bob, "cosmetic") is None
    event = AuditEvent.objects.get(action="consent.withdraw")
    assert event.detail == {"kind": "cosmetic", "version": 1}
    assert "Changed" not in str(event.detail)
    with pytest.raises(Conflict, match="already withdrawn"):
        services.withdraw_consent(consent, by=rita_reception)
    assert sign(bob, nurse_noor).withdrawn_at is None  # the patient may sign again


def test_the_other_pathways_consent_does_not_count(bob, nurse_noor) -> None:
    sign(bob, nurse_noor, kind="chronic_migraine")
    assert services.current_consent(bob, "cosmetic") is None


# ---- the portal channel ---------------------------------------------------------------------


def test_a_patient_signs_in_the_portal_without_a_witness(bob) -> None:
    account = portal_account(bob, "bob-portal")
    consent = sign(bob, account, channel="portal")
    assert (consent.channel, consent.witnessed_by, consent.recorded_by) == (
        "portal",
        None,
        account,
    )
    assert services.current_consent(bob, "cosmetic") == consent
    services.withdraw_consent(consent, by=account)  # and may withdraw it there
    assert services.current_consent(bob, "cosmetic") is None


def test_a_portal_account_cannot_sign_for_another_patient(bob, alice, nothing_written) -> None:
    account = portal_account(alice, "alice-portal")
    with pytest.raises(NotAllowed, match="another patient"):
        sign(bob, account, channel="portal")
    assert nothing_written()


def test_staff_cannot_use_the_portal_channel_nor_a_patient_the_tablet(
    bob, nurse_noor, nothing_written
) -> None:
    account = portal_account(bob, "bob-portal")
    with pytest.raises(NotAllowed, match="portal account"):
        sign(bob, nurse_noor, channel="portal")
    with pytest.raises(NotAllowed):
        sign(bob, account, channel="tablet")
    assert nothing_written()


def test_a_portal_account_reads_only_its_own_consents(bob, alice) -> None:
    mine = portal_account(bob, "bob-portal")
    theirs = services.current_consent(alice, "cosmetic")
    with pytest.raises(NotAllowed):
        services.get_consent(theirs.pk, by=mine)
    with pytest.raises(NotAllowed):
        services.download_consent_pdf(theirs.pk, by=mine)


def test_no_consent_event_holds_the_typed_name_or_the_reason(bob, nurse_noor) -> None:
    consent = sign(bob, nurse_noor, typed_name="Bob Q. Baker")
    services.get_consent(consent.pk, by=nurse_noor)
    services.download_consent_pdf(consent.pk, by=nurse_noor)
    services.withdraw_consent(consent, by=nurse_noor, reason="Private reason")
    events = AuditEvent.objects.filter(action__startswith="consent.")
    assert sorted(events.values_list("action", flat=True)) == [
        "consent.pdf", "consent.read", "consent.sign", "consent.withdraw",
    ]  # fmt: skip
    text = " ".join(str(row) for row in events.values_list("object_id", "detail"))
    for secret in ("Bob", "Baker", "Private", bob.record_number):
        assert secret not in text
