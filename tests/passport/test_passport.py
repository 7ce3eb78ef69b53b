"""Issue → PDF → photo of the QR → decode → verify → import, and every refusal writes nothing."""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from bonta.accounts.models import User
from bonta.audit.models import AuditEvent
from bonta.passport import codec, keys, reader, services
from bonta.passport.pdf import passport_pdf
from bonta.records.models import ExternalAdministration, Patient
from web.pdftext import page_count, pdf_text

from .conftest import northside_passport, photo_of, png

pytestmark = pytest.mark.django_db


def trust(key: Ed25519PrivateKey, manager: User) -> None:
    services.add_trusted_key(
        name="Northside Clinic", public_key=keys.public_key_text(key.public_key()), by=manager
    )


def test_passport_lists_sessions_by_area(treated: Patient) -> None:
    data = services.passport_data(treated, date(2025, 8, 1))
    assert data["p"]["b"] == "1985-05-17"
    assert [(s[0], s[2], s[3], s[4], s[5]) for s in data["s"]] == [
        ("2025-03-03", "botox_cosmetic", "c", "G-1", [["glabellar_lines", "20"]]),
        ("2025-07-01", "botox_cosmetic", "c", "G-2", [["glabellar_lines", "20"]]),
    ]


def test_totals_agree_with_the_chart_ledger(treated: Patient) -> None:
    from bonta.records.snapshots import patient_history
    from bonta.web.ledger import dose_ledger

    today = date(2025, 8, 1)
    totals = services.cumulative_totals(treated, today)
    ledger = {s.unit_system: s.cumulative for s in dose_ledger(patient_history(treated.pk), today)}
    assert totals
    for t in totals:
        window = ledger[t.unit_system]
        assert window is not None
        assert (t.units, t.limit_units, t.start) == (window.units, window.limit_units, window.start)


def test_the_pdf_is_one_page_with_the_list_and_fingerprint(treated: Patient, dr_grey: User) -> None:
    issued = services.issue_passport(treated, by=dr_grey)
    pdf = passport_pdf(issued)
    assert page_count(pdf) == 1
    text = " ".join(pdf_text(pdf))
    for value in (
        "Toxin passport",
        "Archer, Alice",
        "G-1",
        "G-2",
        "Glabellar lines 20 U",
        issued.fingerprint.split()[0],
    ):
        assert value in text
    assert AuditEvent.objects.filter(action="passport.issue", patient_id=treated.pk).exists()


def test_round_trip_from_a_one_megapixel_photo(
    treated: Patient,
    arriving: Patient,
    northside_key: Ed25519PrivateKey,
    dr_grey: User,
    max_manager: User,
) -> None:
    issued = northside_passport(treated, northside_key)
    photo = photo_of(passport_pdf(issued), megapixels=1.0)
    assert 0.9e6 < photo.width * photo.height < 1.3e6
    text = reader.text_from_image(png(photo))
    assert text == issued.text
    trust(northside_key, max_manager)
    result = services.import_passport(arriving, text, by=dr_grey)
    assert (result.imported, result.already) == (2, 0)
    rows = list(ExternalAdministration.objects.filter(patient=arriving).order_by("on"))
    assert [(r.on, r.product, r.units, r.area, r.pathway) for r in rows] == [
        (date(2025, 3, 3), "botox_cosmetic", Decimal("20.00"), "glabellar_lines", "cosmetic"),
        (date(2025, 7, 1), "botox_cosmetic", Decimal("20.00"), "glabellar_lines", "cosmetic"),
    ]
    assert (
        rows[0].source_system
        == f"Northside Clinic (passport {codec.key_id(northside_key.public_key()).hex()})"
    )
    again = services.import_passport(arriving, text, by=dr_grey)
    assert (again.imported, again.already) == (0, 2)
    assert ExternalAdministration.objects.filter(patient=arriving).count() == 2


def test_forty_sessions_decode_from_a_one_megapixel_photo() -> None:
    """Ten years at one session a quarter, printed, photographed at ~1 MP, turned 3°, blurred."""
    from .test_codec import ten_years

    key = Ed25519PrivateKey.generate()
    data = ten_years()
    text = codec.encode(data, key)
    fp = codec.fingerprint(key.public_key())
    pdf = passport_pdf(services.Passport(data=data, text=text, totals=[], fingerprint=fp))
    assert page_count(pdf) == 1
    image = photo_of(pdf, megapixels=1.0, rotate=3.0, blur=0.8)
    decoded = reader.text_from_pil(image)
    assert codec.open_passport(decoded, key.public_key()).data == data


def test_the_pdf_file_itself_is_read(treated: Patient, northside_key: Ed25519PrivateKey) -> None:
    issued = northside_passport(treated, northside_key)
    assert reader.text_from_upload(passport_pdf(issued)) == issued.text


def test_unknown_key_is_refused_and_nothing_written(
    treated: Patient, arriving: Patient, northside_key: Ed25519PrivateKey, dr_grey: User
) -> None:
    text = northside_passport(treated, northside_key).text
    with pytest.raises(codec.UnknownIssuer):
        services.import_passport(arriving, text, by=dr_grey)
    assert not ExternalAdministration.objects.exists()


def test_tampered_passport_is_refused(
    treated: Patient,
    arriving: Patient,
    northside_key: Ed25519PrivateKey,
    dr_grey: User,
    max_manager: User,
) -> None:
    trust(northside_key, max_manager)
    data = services.passport_data(treated, date(2025, 8, 1))
    text = codec.encode(data, northside_key)
    forged = dict(data, s=[[*s[:5], [["glabellar_lines", "2"]], s[6]] for s in data["s"]])
    # The forger re-signs with their own key but keeps Northside's key id in the header.
    other = codec.encode(forged, Ed25519PrivateKey.generate())
    blob = codec.base45.decode(other[4:])
    spliced = "BP1:" + codec.base45.encode(blob[:1] + codec.base45.decode(text[4:])[1:9] + blob[9:])
    with pytest.raises(codec.PassportError, match="altered or damaged"):
        services.import_passport(arriving, spliced, by=dr_grey)
    assert not ExternalAdministration.objects.exists()


def test_own_passport_and_other_person_are_refused(
    treated: Patient,
    arriving: Patient,
    dr_grey: User,
    northside_key: Ed25519PrivateKey,
    max_manager: User,
) -> None:
    own = services.issue_passport(treated, by=dr_grey).text
    with pytest.raises(codec.PassportError, match="issued by this clinic"):
        services.import_passport(arriving, own, by=dr_grey)
    trust(northside_key, max_manager)
    Patient.objects.filter(pk=arriving.pk).update(birth_date=date(1990, 1, 1))
    arriving.refresh_from_db()
    with pytest.raises(codec.PassportError, match="born 1985-05-17"):
        services.import_passport(
            arriving, northside_passport(treated, northside_key).text, by=dr_grey
        )
    assert not ExternalAdministration.objects.exists()


def test_sessions_that_came_from_here_are_not_imported_back(
    treated: Patient,
    arriving: Patient,
    dr_grey: User,
    northside_key: Ed25519PrivateKey,
    max_manager: User,
) -> None:
    trust(northside_key, max_manager)
    data = services.passport_data(treated, date(2025, 8, 1))
    data["s"][0][6] = keys.own_key_id()  # Northside had imported this one from our passport
    result = services.import_passport(arriving, codec.encode(data, northside_key), by=dr_grey)
    assert (result.imported, result.own) == (1, 1)


def test_the_clinic_key_is_private_to_its_owner(treated: Patient) -> None:
    keys.clinic_key()
    path = keys.key_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_well_known_key(client: Client) -> None:
    body = json.loads(client.get("/.well-known/bonta-passport-key.json").content)
    assert body["algorithm"] == "Ed25519"
    assert body["public_key"] == keys.public_key_text()
    assert body["fingerprint_sha256"] == keys.own_fingerprint()


# ---- pages ---------------------------------------------------------------------------------


def test_upload_verify_confirm_import(
    treated: Patient,
    arriving: Patient,
    northside_key: Ed25519PrivateKey,
    max_manager: User,
    as_grey: Client,
) -> None:
    trust(northside_key, max_manager)
    issued = northside_passport(treated, northside_key)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "passport.pdf", passport_pdf(issued), content_type="application/pdf"
    )
    page = as_grey.post(f"/passport/patients/{arriving.pk}/import/", {"file": upload})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Signed by <strong>Northside Clinic</strong>" in html
    assert html.count('class="passport-line"') == 2
    assert not ExternalAdministration.objects.exists()  # shown, not yet written
    done = as_grey.post(f"/passport/patients/{arriving.pk}/import/", {"passport": issued.text})
    assert done.status_code == 302
    assert ExternalAdministration.objects.filter(patient=arriving).count() == 2
    assert AuditEvent.objects.filter(action="passport.import", patient_id=arriving.pk).exists()


def test_unknown_key_page(
    treated: Patient, arriving: Patient, northside_key: Ed25519PrivateKey, as_grey: Client
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = png(photo_of(passport_pdf(northside_passport(treated, northside_key))))
    page = as_grey.post(
        f"/passport/patients/{arriving.pk}/import/", {"file": SimpleUploadedFile("qr.png", photo)}
    )
    assert page.status_code == 422
    assert "not on your trusted list" in page.content.decode()
    assert not ExternalAdministration.objects.exists()


def test_forged_confirm_is_refused(arriving: Patient, as_grey: Client) -> None:
    page = as_grey.post(f"/passport/patients/{arriving.pk}/import/", {"passport": "BP1:GARBAGE"})
    assert page.status_code == 422
    assert not ExternalAdministration.objects.exists()


def test_roles(arriving: Patient, as_rita: Client, as_grey: Client, as_max: Client) -> None:
    assert as_rita.get(f"/passport/patients/{arriving.pk}/import/").status_code == 403
    assert as_rita.get(f"/passport/patients/{arriving.pk}/passport.pdf").status_code == 403
    assert as_grey.get("/passport/keys/").status_code == 403
    assert as_max.get("/passport/keys/").status_code == 200
    assert (
        as_max.get(f"/passport/patients/{arriving.pk}/import/").status_code == 403
    )  # reads, never writes


def test_manager_trusts_a_key_with_clear_errors(
    as_max: Client, northside_key: Ed25519PrivateKey
) -> None:
    bad = as_max.post("/passport/keys/", {"name": "X", "public_key": "not-a-key"})
    assert bad.status_code == 422
    assert "43-character base64url" in bad.content.decode()
    own = as_max.post("/passport/keys/", {"name": "Us", "public_key": keys.public_key_text()})
    assert "own key" in own.content.decode()
    ok = as_max.post(
        "/passport/keys/",
        {"name": "Northside", "public_key": keys.public_key_text(northside_key.public_key())},
    )
    assert ok.status_code == 302
    assert AuditEvent.objects.filter(action="passport.trust_key").count() == 1


def test_chart_links(treated: Patient, as_grey: Client) -> None:
    html = as_grey.get(f"/patients/{treated.pk}/").content.decode()
    assert f"/passport/patients/{treated.pk}/passport.pdf" in html
    assert f"/passport/patients/{treated.pk}/import/" in html


def test_portal_page_and_pdf(treated: Patient, portal_alice: Client) -> None:
    page = portal_alice.get("/portal/passport/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="passport-line"') == 2
    assert "G-2" in html
    pdf = portal_alice.get("/portal/passport.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert page_count(pdf.content) == 1
    assert AuditEvent.objects.filter(action="passport.issue", patient_id=treated.pk).count() == 2
